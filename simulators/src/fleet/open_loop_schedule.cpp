#include "fleet/open_loop_schedule.hpp"

#include <cassert>
#include <cmath>

namespace claimgate::simulators {

OpenLoopSchedule::OpenLoopSchedule(Clock::time_point start, double rate, int index, int connections,
                                   double slots_per_send)
    : start_(start),
      interval_ns_(1e9 * static_cast<double>(connections) / rate),
      offset_ns_(interval_ns_ * slots_per_send * static_cast<double>(index) /
                 static_cast<double>(connections)) {
    assert(rate > 0.0 && connections > 0 && index >= 0 && index < connections);
    assert(slots_per_send >= 1.0);
}

OpenLoopSchedule::Clock::time_point OpenLoopSchedule::dueAt(std::uint64_t k) const noexcept {
    const double ns = offset_ns_ + interval_ns_ * static_cast<double>(k);
    return start_ +
           std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(std::llround(ns)));
}

std::uint64_t OpenLoopSchedule::owedBefore(Clock::time_point deadline) const noexcept {
    if (dueAt(sent_) >= deadline) return 0;
    const double ns = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - start_).count());
    // Requests k with offset + k * interval < deadline: k < (deadline - offset) / interval.
    const auto due_total = static_cast<std::uint64_t>(std::ceil((ns - offset_ns_) / interval_ns_));
    return due_total > sent_ ? due_total - sent_ : 0;
}

}  // namespace claimgate::simulators
