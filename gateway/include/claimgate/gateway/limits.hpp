// File: limits.hpp
// Named bounds of the gateway (contracts invariant 7), with their memory cost where it matters.
#pragma once

#include <claimgate/protocols/limits.hpp>

#include <cstddef>
#include <cstdint>

namespace claimgate::gateway {

/// Operations waiting for the ledger writer. Beyond it: 429 overloaded + Retry-After.
/// Each waiting op holds ~1 KiB (request copy + promise), so the queue costs ~4 MiB at most.
inline constexpr std::size_t kLedgerQueueDepthMax = 4096;
/// How often /metrics' cluster-wide figures (claims by status, money paid) are re-read from the
/// database: one GROUP BY over `claims` each time, on its own connection, never per scrape.
inline constexpr std::int64_t kLedgerStatsIntervalMillis = 10'000;
/// Operations the writer folds into one transaction (one fsync). 1 = one commit per claim.
inline constexpr std::size_t kCommitBatchMaxDefault = 512;
inline constexpr std::size_t kCommitBatchMaxLimit = 8192;
/// How long the writer lingers for more ops before committing a partial batch.
inline constexpr std::int64_t kCommitBatchLingerMicrosDefault = 200;
/// Holds moved to in_doubt per sweep transaction.
inline constexpr std::size_t kExpirySweepBatchMax = 2000;
/// Idempotency replies purged per sweep transaction.
inline constexpr std::size_t kIdempotencyPurgeBatchMax = 2000;
inline constexpr std::int64_t kIdempotencyRetentionMillisDefault = 30LL * 24 * 3600 * 1000;
/// HTTP worker threads and the accept backlog queue of the TLS listener.
inline constexpr int kHttpThreadsMax = 64;
inline constexpr int kHttpQueuedConnectionsMax = 512;
inline constexpr int kHttpKeepAliveRequestsMax = 100000;
/// Roster lines that may be rejected before an import stops.
inline constexpr std::size_t kRosterBadLinesMax = 1000;
/// Roster rows sorted and written per transaction by `roster import`: ~200 bytes each in
/// memory, so a batch costs ~200 MiB; fewer, sorted batches rewrite each B-tree page less.
inline constexpr std::size_t kRosterImportBatchRows = 1'000'000;
/// Rows of one in-memory program index; 2^31 keeps slot numbers in 32 bits.
inline constexpr std::size_t kIndexEntriesMax = std::size_t{1} << 31;

static_assert(kCommitBatchMaxDefault <= kCommitBatchMaxLimit);
static_assert(kCommitBatchMaxLimit <= kLedgerQueueDepthMax * 2);

}  // namespace claimgate::gateway
