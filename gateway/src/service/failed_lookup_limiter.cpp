#include <claimgate/gateway/failed_lookup_limiter.hpp>

#include <cassert>

namespace claimgate::gateway {
namespace {

int secondsUntil(std::int64_t millis) {
    const std::int64_t seconds = (millis + 999) / 1000;
    return seconds < 1 ? 1 : static_cast<int>(seconds);
}

}  // namespace

FailedLookupLimiter::FailedLookupLimiter(ClockPtr clock, std::size_t failures_max,
                                         std::int64_t window_millis, std::size_t terminals_max)
    : clock_(std::move(clock)),
      failures_max_(failures_max),
      window_millis_(window_millis),
      terminals_max_(terminals_max) {
    assert(clock_ && failures_max_ > 0 && window_millis_ > 0 && terminals_max_ > 0);
}

void FailedLookupLimiter::makeRoom(std::int64_t now) {
    for (auto it = windows_.begin(); it != windows_.end();) {
        it = now - it->second.started_millis >= window_millis_ ? windows_.erase(it) : ++it;
    }
    if (windows_.size() < terminals_max_) return;
    // Every slot holds a live window: forget the oldest. Evading the count this way takes
    // more terminal certificates than the table has slots.
    auto oldest = windows_.begin();
    for (auto it = windows_.begin(); it != windows_.end(); ++it) {
        if (it->second.started_millis < oldest->second.started_millis) oldest = it;
    }
    windows_.erase(oldest);
}

int FailedLookupLimiter::retryAfterSeconds(const std::string& terminal) {
    const std::int64_t now = clock_->nowMillis();
    std::lock_guard lock(mutex_);
    const auto it = windows_.find(terminal);
    if (it == windows_.end()) return 0;
    const std::int64_t ends = it->second.started_millis + window_millis_;
    if (now >= ends) {
        windows_.erase(it);
        return 0;
    }
    return it->second.failures >= failures_max_ ? secondsUntil(ends - now) : 0;
}

void FailedLookupLimiter::recordFailure(const std::string& terminal) {
    const std::int64_t now = clock_->nowMillis();
    std::lock_guard lock(mutex_);
    auto it = windows_.find(terminal);
    if (it != windows_.end() && now - it->second.started_millis >= window_millis_) {
        it->second = Window{now, 0};
    }
    if (it == windows_.end()) {
        if (windows_.size() >= terminals_max_) makeRoom(now);
        it = windows_.emplace(terminal, Window{now, 0}).first;
    }
    ++it->second.failures;
}

}  // namespace claimgate::gateway
