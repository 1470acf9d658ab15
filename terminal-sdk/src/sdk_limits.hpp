// File: sdk_limits.hpp
// Named bounds of the terminal SDK (contracts invariant 7): the journal, the open holds a client
// tracks, the sender's batches and backoff, HTTP bodies and timeouts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace claimgate::sdk {

/// Rows the journal may hold (pending advices + reserves in flight). A row is ~300 bytes, so the
/// file stays under a few MiB even when the gateway is gone for a day.
inline constexpr std::int64_t kJournalEntriesMax = 10'000;
/// Holds a client tracks in memory (reserved, not yet committed or voided).
inline constexpr std::size_t kOpenHoldsMax = 256;
/// A new reserve is refused while the journal has fewer free rows than this: every hold this
/// client could still have to commit or void must find room, so a commit never meets a full
/// journal (cash that left the device is never un-journalled).
inline constexpr std::int64_t kJournalCommitHeadroomEntries =
    static_cast<std::int64_t>(kOpenHoldsMax) + 1;
/// Advices the sender takes from the journal per round.
inline constexpr std::size_t kSenderBatchMax = 32;
/// Capped exponential backoff of the sender (before jitter).
inline constexpr std::uint32_t kSenderBackoffInitialMilliseconds = 200;
inline constexpr std::uint32_t kSenderBackoffMaxMilliseconds = 30'000;
/// Largest gateway reply the SDK reads.
inline constexpr std::size_t kResponseBodyBytesMax = 64 * 1024;
inline constexpr std::uint32_t kTimeoutMillisecondsDefault = 5'000;
inline constexpr std::uint32_t kTimeoutMillisecondsMax = 120'000;
inline constexpr std::size_t kClaimIdLengthMax = 63;
inline constexpr std::size_t kPathLengthMax = 4096;

static_assert(kJournalCommitHeadroomEntries < kJournalEntriesMax);
static_assert(kSenderBackoffInitialMilliseconds < kSenderBackoffMaxMilliseconds);

}  // namespace claimgate::sdk
