// File: limits.hpp
// Named bounds of the gateway (contracts invariant 7), with their memory cost where it matters.
// The ledger writer's own bounds are in claimgate/ledger/limits.hpp.
#pragma once

#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/limits.hpp>

#include <cstddef>
#include <cstdint>

namespace claimgate::gateway {

/// HTTP worker threads and the accept backlog queue of the TLS listener.
inline constexpr int kHttpThreadsMax = 64;
inline constexpr int kHttpQueuedConnectionsMax = 512;
inline constexpr int kHttpKeepAliveRequestsMax = 100000;
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
/// Roster lines that may be rejected before an import stops.
inline constexpr std::size_t kRosterBadLinesMax = 1000;
/// Roster rows sorted and written per transaction by `roster import`: ~200 bytes each in
/// memory, so a batch costs ~200 MiB; fewer, sorted batches rewrite each B-tree page less.
inline constexpr std::size_t kRosterImportBatchRows = 1'000'000;
/// Rows of one in-memory program index; 2^31 keeps slot numbers in 32 bits.
inline constexpr std::size_t kIndexEntriesMax = std::size_t{1} << 31;

}  // namespace claimgate::gateway
