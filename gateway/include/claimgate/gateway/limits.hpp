// File: limits.hpp
// Named bounds of the gateway (contracts invariant 7), with their memory cost where it matters.
// The ledger writer's own bounds are in claimgate/ledger/limits.hpp.
#pragma once

#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/limits.hpp>

#include <cstddef>
#include <cstdint>

namespace claimgate::gateway {

// ---- The event-driven front end (gateway/src/net/) ----
/// I/O threads of the API and bench listeners (`--io-threads`, default one per core). Every
/// connection lives on one of them; nothing on them blocks (contracts §5 answers inline or from
/// the ledger writer's completion).
inline constexpr int kIoThreadsMax = 256;
/// The admin listener's own I/O threads, so probes answer while the API is saturated.
inline constexpr int kAdminIoThreads = 1;
/// Pending connections in the kernel's accept queue of each listener.
inline constexpr int kAcceptBacklog = 4096;
/// TLS handshake plus the first request head must complete within this, and every later request
/// head within this of its first byte: a silent or dribbling peer costs one small object, never
/// a thread, and is dropped at the deadline.
inline constexpr std::int64_t kHeadDeadlineMillisDefault = 5'000;
/// A keep-alive connection with no request in flight is closed after this. Terminals ask a few
/// questions a minute, so 75 s keeps a terminal's connection warm between questions.
inline constexpr std::int64_t kIdleTimeoutMillisDefault = 75'000;
/// Reading a request body, and writing a reply, must each finish within this.
inline constexpr std::int64_t kBodyDeadlineMillis = 10'000;
inline constexpr std::int64_t kWriteDeadlineMillis = 10'000;
/// Connections per node (`--max-connections`). Each idle TLS connection costs ~28 KiB of user
/// memory (measured: OpenSSL's connection state and the peer certificate; the record buffers
/// are released while it waits), so 20,000 cost ~0.55 GiB.
inline constexpr std::size_t kConnectionsMaxDefault = 20'000;
inline constexpr std::size_t kConnectionsMaxLimit = 1'000'000;
/// Connections per peer IP address (`--max-connections-per-peer`). A bank's ATMs can share one
/// NAT address, so the default is half the node: one address cannot take the node alone.
inline constexpr std::size_t kConnectionsPerPeerMaxDefault = kConnectionsMaxDefault / 2;
/// From this share of the node cap on, each new connection first closes the longest-idle
/// keep-alive connection (a terminal reconnects on its next question; a new one cannot wait).
inline constexpr std::size_t kConnectionReapWatermarkPercent = 95;
/// Request line plus headers; beyond it 400 and close.
inline constexpr std::size_t kRequestHeadBytesMax = 8 * 1024;
/// Request target (path and query); beyond it 400 and close.
inline constexpr std::size_t kRequestTargetBytesMax = 2 * 1024;
/// An oversized body (> kRequestBodyBytesMax) is read and discarded up to this many bytes, so
/// the still-sending client gets the 413 rather than a reset and its connection stays usable;
/// a larger declared body is refused at once and the connection closed.
inline constexpr std::size_t kOversizedBodyDrainBytesMax = 1024 * 1024;
/// How often the certificate files (CA bundle, CRL) are checked for a change.
inline constexpr std::int64_t kTrustFilePollMillis = 1'000;
/// How often the ledger database is probed for /readyz.
inline constexpr std::int64_t kLedgerProbeIntervalMillis = 1'000;
/// Lines of an admin token file (`--admin-token-file`).
inline constexpr std::size_t kAdminTokensMax = 256;
/// Failed claim lookups (GET, commit or void of an unknown claim id or code, or of another
/// operator's claim) a terminal may make per window; beyond it 429 too_many_failed_lookups
/// with Retry-After until the window ends. A till that scans slips fails rarely; a guesser
/// gets 10 tries a minute against codes that are 1 in 10^8 well-formed.
inline constexpr std::size_t kFailedClaimLookupsPerWindowMax = 10;
inline constexpr std::int64_t kFailedClaimLookupWindowMillis = 60'000;
/// Terminals whose failed lookups are tracked at once (~100 bytes each); when every slot holds
/// a live window the oldest is forgotten.
inline constexpr std::size_t kFailedLookupTerminalsTrackedMax = 65'536;
/// GETs waiting for the claim reader (its own read connection, off the ledger writer).
/// Beyond it: 429 overloaded + Retry-After.
inline constexpr std::size_t kClaimReadQueueDepthMax = 1024;
/// How often /metrics' cluster-wide figures (claims by status, money paid) are re-read from the
/// database: one GROUP BY over `claims` each time, on its own connection, never per scrape.
inline constexpr std::int64_t kLedgerStatsIntervalMillis = 10'000;
/// Roster lines that may be rejected before an import stops.
inline constexpr std::size_t kRosterBadLinesMax = 1000;
/// Roster rows sorted and bulk-loaded at once by `roster import`: the national roster (23M) in
/// one sweep of the B-tree, each sweep after the first rewriting every page the earlier ones
/// wrote. 96 bytes each in memory (an 80-byte row and its 16-byte sort slot): ~2.3 GiB at the
/// limit. A larger file is loaded in several sorted sweeps, still in one transaction.
inline constexpr std::size_t kRosterImportBatchRows = 25'000'000;
/// Lines handed to one parsing task of `roster import` (one task per core in flight); their
/// rows (80 bytes each) fill one 2 MiB page.
inline constexpr std::size_t kRosterImportChunkLines = 26'214;
/// A node applies at most this many changed roster rows in place; beyond it, it rebuilds its
/// index from the database while the old index keeps serving.
inline constexpr std::int64_t kRosterCatchUpRowsMax = 200'000;
/// How often a node asks the database for a newer roster version (PostgreSQL wakes it at once
/// by NOTIFY as well): well inside the 5 s within which a change must reach every node.
inline constexpr std::int64_t kRosterPollMillisDefault = 1000;
/// Claim states recorded while the index is rebuilt (~100 bytes each); beyond it the states
/// are read from the ledger once more after the swap.
inline constexpr std::size_t kIndexReplayUpdatesMax = 1'000'000;
/// Rows of one in-memory program index; 2^31 keeps slot numbers in 32 bits.
inline constexpr std::size_t kIndexEntriesMax = std::size_t{1} << 31;

static_assert(kConnectionsPerPeerMaxDefault <= kConnectionsMaxDefault);
static_assert(kConnectionReapWatermarkPercent > 0 && kConnectionReapWatermarkPercent <= 100);
static_assert(kRequestTargetBytesMax < kRequestHeadBytesMax);
static_assert(protocols::kRequestBodyBytesMax < kOversizedBodyDrainBytesMax);

}  // namespace claimgate::gateway
