// File: troad_limits.hpp
// Named bounds of the T-Road link (contracts invariant 7). The simulator enforces the same page and
// batch maxima on its side.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace claimgate::troad {

/// Largest response body read from the security server; a page of kRosterPageEntriesMax entries
/// with eight proxies each stays far below it.
inline constexpr std::size_t kTroadResponseBytesMax = 8 * 1024 * 1024;
/// Largest request body sent (one claim batch).
inline constexpr std::size_t kTroadRequestBytesMax = 4 * 1024 * 1024;
/// Roster and payout pages: entries per page the platform may send / we ask for.
inline constexpr std::size_t kRosterPageEntriesMax = 5000;
inline constexpr std::size_t kPayoutPageEntriesMax = 5000;
/// Claims per pushed batch.
inline constexpr std::size_t kClaimBatchClaimsMax = 2000;
/// Programs in one program list.
inline constexpr std::size_t kPlatformProgramsMax = 256;
/// Opaque paging cursor length.
inline constexpr std::size_t kCursorLengthMax = 256;
/// Batch and gateway ids (same alphabet as Idempotency-Key).
inline constexpr std::size_t kBatchIdLengthMax = 64;
/// Attempts per request on transport failures (connect refused, reset, timeout). Every platform
/// call is safe to repeat: reads are pure and claim batches are idempotent by batch_id.
inline constexpr int kTroadSendAttemptsMax = 3;
inline constexpr std::chrono::milliseconds kTroadConnectTimeoutDefault{5000};
inline constexpr std::chrono::milliseconds kTroadIoTimeoutDefault{30000};
/// Longest transfer-log line accepted when reading the log back.
inline constexpr std::size_t kTransferLogLineBytesMax = 4096;

static_assert(kTroadRequestBytesMax <= kTroadResponseBytesMax);

}  // namespace claimgate::troad
