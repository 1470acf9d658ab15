// File: sdk_limits.hpp
// Named bounds of the terminal SDK (contracts invariant 7): the journal, the open holds a client
// tracks, the sender's batches and backoff, HTTP bodies and timeouts.
#pragma once

#include <chrono>
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
/// Attempts after which the doubling has reached kSenderBackoffMaxMilliseconds.
inline constexpr std::int64_t kSenderBackoffAttemptsAtMax = 9;
/// Largest gateway reply the SDK reads (body, and header block).
inline constexpr std::size_t kResponseBodyBytesMax = 64 * 1024;
inline constexpr std::uint32_t kResponseHeaderBytesMax = 16 * 1024;
/// Gateway URLs one client may list (cg_config.gateway_url, separated by commas or blanks).
inline constexpr std::size_t kGatewayUrlsMax = 8;
/// A gateway URL that failed is tried after the others for this long (doubling per failure).
inline constexpr std::int64_t kEndpointBackoffInitialMilliseconds = 500;
inline constexpr std::int64_t kEndpointBackoffMaxMilliseconds = 30'000;
/// The one connection is closed after this much idle time, before the gateway's own keep-alive
/// timeout (30 s, contracts §5) drops it, so a request never meets a half-closed socket.
inline constexpr std::chrono::milliseconds kConnectionIdleClose{25'000};
inline constexpr std::uint32_t kTimeoutMillisecondsDefault = 5'000;
inline constexpr std::uint32_t kTimeoutMillisecondsMax = 120'000;
inline constexpr std::size_t kClaimIdLengthMax = 63;
/// Claim ids are "c_" and at least this much base32; claim codes are digits only.
inline constexpr std::size_t kClaimIdBodyLengthMin = 1;
inline constexpr std::size_t kClaimCodeLengthMin = 10;
inline constexpr std::size_t kClaimCodeLengthMax = 32;
/// Receipts a client keeps in memory for cg_get_receipt (older ones are asked of the gateway).
inline constexpr std::size_t kReceiptsKeptMax = 256;
inline constexpr std::size_t kPathLengthMax = 4096;
/// A code taken from a gateway reply (reason, error code, claim status, channel): at most this
/// long, lower-case letters, digits and underscores only.
inline constexpr std::size_t kReplyCodeLengthMax = 64;

static_assert(kJournalCommitHeadroomEntries < kJournalEntriesMax);
static_assert(kSenderBackoffInitialMilliseconds < kSenderBackoffMaxMilliseconds);

}  // namespace claimgate::sdk
