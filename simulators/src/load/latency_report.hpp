// File: latency_report.hpp
// How the load tools (`load`, `fleet`) print latency and rates in their JSON report line, so
// both read the same to the benchmark scripts.
#pragma once

#include "load/latency_histogram.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>

namespace claimgate::simulators {

/// {"p50","p90","p99","p999","max","mean","count"}, milliseconds to the microsecond.
[[nodiscard]] nlohmann::json latencyJson(const LatencyHistogram& histogram);
/// count / seconds to one decimal; 0 for an empty interval.
[[nodiscard]] double perSecond(std::uint64_t count, double seconds);

}  // namespace claimgate::simulators
