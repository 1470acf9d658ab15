// File: open_loop_schedule.hpp
// When each request of one connection is due in an open-loop run where `connections`
// connections share `rate` requests/s: every connection sends every connections/rate seconds,
// and connection i starts i/connections of that interval late, so the fleet's sends are spread
// evenly instead of arriving in bursts. Due times are computed from the start, never by adding
// intervals up, so a long run does not drift. Latency is measured from the due time (a late send
// counts its wait: no coordinated omission).
#pragma once

#include <chrono>
#include <cstdint>

namespace claimgate::simulators {

class OpenLoopSchedule {
public:
    using Clock = std::chrono::steady_clock;

    /// rate > 0, 0 <= index < connections.
    OpenLoopSchedule(Clock::time_point start, double rate, int index, int connections);

    /// Due time of the next request not yet sent.
    [[nodiscard]] Clock::time_point due() const noexcept { return dueAt(sent_); }
    /// The request due at due() was sent.
    void advance() noexcept { ++sent_; }
    [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }
    /// Requests due before `deadline` not yet sent (those a run still owes when it ends).
    [[nodiscard]] std::uint64_t owedBefore(Clock::time_point deadline) const noexcept;

private:
    [[nodiscard]] Clock::time_point dueAt(std::uint64_t k) const noexcept;

    Clock::time_point start_;
    double interval_ns_;
    double offset_ns_;
    std::uint64_t sent_ = 0;
};

}  // namespace claimgate::simulators
