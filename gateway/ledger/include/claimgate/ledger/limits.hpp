// File: limits.hpp
// Named bounds of the claim ledger and its batch writer (contracts invariant 7).
#pragma once

#include <cstddef>
#include <cstdint>

namespace claimgate::gateway {

/// Operations waiting for the ledger writer. Beyond it: 429 overloaded + Retry-After.
/// Each waiting op holds ~1 KiB (request copy + promise), so the queue costs ~4 MiB at most.
inline constexpr std::size_t kLedgerQueueDepthMax = 4096;
/// Operations the writer folds into one transaction (one fsync). 1 = one commit per claim.
inline constexpr std::size_t kCommitBatchMaxDefault = 512;
inline constexpr std::size_t kCommitBatchMaxLimit = 8192;
/// How long the writer lingers for more ops before committing a partial batch.
inline constexpr std::int64_t kCommitBatchLingerMicrosDefault = 200;
/// Holds moved to in_doubt per sweep transaction.
inline constexpr std::size_t kExpirySweepBatchMax = 2000;
/// Idempotency replies purged per sweep transaction.
inline constexpr std::size_t kIdempotencyPurgeBatchMax = 2000;
/// PostgreSQL: rows per multi-row INSERT of a pipelined batch's stored replies or chain events
/// (longer runs go as several). Each row count is its own prepared statement, so this also
/// bounds those at 2 x this per connection.
inline constexpr std::size_t kHeldInsertRowsMax = 64;
inline constexpr std::int64_t kIdempotencyRetentionMillisDefault = 30LL * 24 * 3600 * 1000;

/// SQLite WAL checkpoints on the serving node (SqliteWalCheckpointer): the background thread
/// copies the WAL into the database once this many frames (4 KiB pages: ~40 MiB) were appended
/// since its last pass, and at least every kWalCheckpointIntervalMillis while any were: the same
/// work as SQLite's automatic checkpoint had at this size on the writer, and no more (passes of
/// 4,096 frames copied hot pages more often and cost claims/s, docs/performance.md).
inline constexpr int kWalCheckpointFramesMin = 10000;
inline constexpr std::int64_t kWalCheckpointIntervalMillis = 1000;
/// The WAL starts again from the top only when a commit finds all of it copied, which a busy
/// writer rarely leaves time for: past this length (128 MiB) the writer checkpoints itself
/// after its commit, and the next commit restarts the WAL. It copies what the thread has not yet
/// copied and, being the first pass to reach the WAL's end, syncs the database file: SQLite
/// syncs it only then, so this writes back every page the thread copied since the last restart.
/// 20-45 ms inside the commit under open-loop load; syncing after each thread pass instead only
/// moved that write-back onto the commits (docs/performance.md, "The valve's 20-45 ms is the
/// database sync").
inline constexpr int kWalWriterCheckpointFrames = 32768;

static_assert(kWalCheckpointFramesMin < kWalWriterCheckpointFrames);
/// WAL bytes collected in memory before they are written (SqliteWalBatchingVfs): 256 frames of
/// 4 KiB pages per write; a commit larger than that writes in several.
inline constexpr std::size_t kWalWriteBatchMaxBytes = 1 << 20;
static_assert(kCommitBatchMaxDefault <= kCommitBatchMaxLimit);
static_assert(kCommitBatchMaxLimit <= kLedgerQueueDepthMax * 2);

}  // namespace claimgate::gateway
