// File: load_limits.hpp
// Named bounds of `claimgate-sim load` (contracts invariant 7 applies to test tools too: a typo in
// a flag must not turn a benchmark into a runaway process).
#pragma once

#include <cstddef>
#include <cstdint>

namespace claimgate::simulators {

/// Terminals (one keep-alive connection each, all busy). Fleets of mostly idle connections are
/// `claimgate-sim fleet`.
inline constexpr int kLoadTerminalsMax = 256;
/// I/O threads the terminals are spread over.
inline constexpr int kLoadIoThreadsMax = 16;
inline constexpr int kLoadDurationSecondsMax = 3600;
/// Open-loop target rate over all terminals, requests per second.
inline constexpr double kLoadRateMax = 1'000'000.0;
/// Requests the whole run may send (also bounded by the duration).
inline constexpr std::uint64_t kLoadRequestsMax = 500'000'000;
/// Roster rows read into memory (~40 bytes each).
inline constexpr std::size_t kLoadRosterRowsMax = 5'000'000;
/// One reply (headers + body); the gateway's largest reply (a commit receipt) is under 1 KiB.
inline constexpr std::size_t kLoadResponseBytesMax = 64 * 1024;
/// Send and receive timeout of one request; a slower reply counts as error `timeout`.
inline constexpr int kLoadIoTimeoutSeconds = 10;
/// Claims checked one by one with GET /v1/claims/{id} when no --data-dir is given.
inline constexpr std::size_t kLoadAuditClaimsMax = 1'000'000;
/// Distinct error codes kept per terminal; beyond that they are counted as `other`.
inline constexpr std::size_t kLoadErrorCodesMax = 32;
/// Consecutive connect failures after which a terminal gives up (the gateway is gone).
inline constexpr int kLoadConnectFailuresMax = 20;

static_assert(kLoadTerminalsMax > 0 && kLoadDurationSecondsMax > 0);

}  // namespace claimgate::simulators

namespace claimgate::simulators {
/// Times a hold or commit is re-sent with the same Idempotency-Key after a transport failure,
/// as a real terminal would; the gateway must answer the retry without claiming twice.
inline constexpr int kLoadRequestRetriesMax = 2;
}  // namespace claimgate::simulators
