// File: open_loop_schedule.hpp
// When each request of one connection is due in an open-loop run where `connections`
// connections share `rate` requests/s: every connection has a request slot every
// connections/rate seconds, and connection i starts i/connections of its mean period late, so
// the fleet's sends are spread evenly instead of arriving in bursts. The mean period is one slot
// when every send is one request (fleet checks); `claimgate-sim load` sends a claim as two
// requests (hold, then commit) in two slots, so its period is the mix's mean number of slots.
// Staggering a claim-only run over one slot instead put every hold in the first half of each
// period: twice the asked rate, then a gap. Due times are computed from the start, never by
// adding intervals up, so a long run does not drift. Latency is measured from the due time (a
// late send counts its wait: no coordinated omission).
#pragma once

#include <chrono>
#include <cstdint>

namespace claimgate::simulators {

class OpenLoopSchedule {
public:
    using Clock = std::chrono::steady_clock;

    /// rate > 0, 0 <= index < connections, slots_per_send >= 1 (the mean number of slots one
    /// send takes: 1 for single requests, 2 for claims, between for a mix).
    OpenLoopSchedule(Clock::time_point start, double rate, int index, int connections,
                     double slots_per_send = 1.0);

    /// Due time of the next request not yet sent.
    [[nodiscard]] Clock::time_point due() const noexcept { return dueAt(sent_); }
    /// The request due at due() was sent; it took `slots` slots (a claim: 2).
    void advance(std::uint64_t slots = 1) noexcept { sent_ += slots; }
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
