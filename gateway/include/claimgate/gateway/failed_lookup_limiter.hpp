// File: failed_lookup_limiter.hpp
// Counts each terminal's failed claim lookups (unknown claim id or code, another operator's
// claim) in a fixed window, so nobody can walk the code space: beyond
// kFailedClaimLookupsPerWindowMax a terminal gets 429 too_many_failed_lookups until its window
// ends. Bounded (kFailedLookupTerminalsTrackedMax terminals, the oldest forgotten first);
// thread-safe.
#pragma once

#include <claimgate/gateway/limits.hpp>
#include <claimgate/ledger/clock.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace claimgate::gateway {

class FailedLookupLimiter {
public:
    explicit FailedLookupLimiter(ClockPtr clock,
                                 std::size_t failures_max = kFailedClaimLookupsPerWindowMax,
                                 std::int64_t window_millis = kFailedClaimLookupWindowMillis,
                                 std::size_t terminals_max = kFailedLookupTerminalsTrackedMax);

    /// 0 when `terminal` may look claims up now, else the seconds until it may (>= 1).
    [[nodiscard]] int retryAfterSeconds(const std::string& terminal);
    void recordFailure(const std::string& terminal);

private:
    struct Window {
        std::int64_t started_millis = 0;
        std::size_t failures = 0;
    };
    /// Frees a slot when the table is full: ended windows first, else the oldest.
    void makeRoom(std::int64_t now);

    ClockPtr clock_;
    const std::size_t failures_max_;
    const std::int64_t window_millis_;
    const std::size_t terminals_max_;
    std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
};

}  // namespace claimgate::gateway
