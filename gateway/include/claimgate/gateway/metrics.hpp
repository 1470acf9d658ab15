// File: metrics.hpp
// Prometheus text metrics without a metrics library (POCO 1.11 has none): fixed arrays of
// relaxed atomics, so recording costs a few nanoseconds and never allocates.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace claimgate::gateway {

enum class Route : std::uint8_t {
    programs,
    eligibility,
    claim_hold,
    claim_commit,
    claim_void,
    claim_get,
    admin,
    other,
};
inline constexpr std::size_t kRouteCount = 8;

class Metrics {
public:
    void recordRequest(Route route, int http_status, std::int64_t latency_micros);
    void setInDoubt(std::int64_t value) { in_doubt_.store(value); }
    [[nodiscard]] std::int64_t inDoubt() const { return in_doubt_.load(); }
    [[nodiscard]] std::uint64_t requests(Route route, int http_status) const;

    /// Renders all metrics; `extra` appends gauges owned elsewhere (queue depth, batches).
    [[nodiscard]] std::string renderPrometheus(
        const std::function<void(std::string&)>& extra) const;

private:
    static constexpr std::array<int, 13> kStatuses = {200, 201, 400, 403, 404, 405, 409,
                                                      413, 422, 429, 500, 503, 0};
    static constexpr std::array<std::int64_t, 14> kLatencyBucketsMicros = {
        50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
        5000000};
    static std::size_t statusSlot(int http_status);

    std::array<std::array<std::atomic<std::uint64_t>, kStatuses.size()>, kRouteCount>
        requests_{};
    std::array<std::array<std::atomic<std::uint64_t>, kLatencyBucketsMicros.size() + 1>,
               kRouteCount>
        latency_buckets_{};
    std::array<std::atomic<std::uint64_t>, kRouteCount> latency_sum_micros_{};
    std::atomic<std::int64_t> in_doubt_{0};
};

[[nodiscard]] std::string_view routeName(Route route);

}  // namespace claimgate::gateway
