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
inline constexpr std::int64_t kIdempotencyRetentionMillisDefault = 30LL * 24 * 3600 * 1000;

static_assert(kCommitBatchMaxDefault <= kCommitBatchMaxLimit);
static_assert(kCommitBatchMaxLimit <= kLedgerQueueDepthMax * 2);

}  // namespace claimgate::gateway
