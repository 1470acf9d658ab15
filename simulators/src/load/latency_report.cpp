#include "load/latency_report.hpp"

#include <cmath>

namespace claimgate::simulators {

nlohmann::json latencyJson(const LatencyHistogram& histogram) {
    auto ms = [](std::uint64_t micros) {
        return std::round(static_cast<double>(micros) / 1000.0 * 1000.0) / 1000.0;
    };
    return {{"p50", ms(histogram.percentileMicros(0.50))},
            {"p90", ms(histogram.percentileMicros(0.90))},
            {"p99", ms(histogram.percentileMicros(0.99))},
            {"p999", ms(histogram.percentileMicros(0.999))},
            {"max", ms(histogram.maxMicros())},
            {"mean", std::round(histogram.meanMicros()) / 1000.0},
            {"count", histogram.count()}};
}

double perSecond(std::uint64_t count, double seconds) {
    return seconds > 0 ? std::round(static_cast<double>(count) / seconds * 10.0) / 10.0 : 0.0;
}

}  // namespace claimgate::simulators
