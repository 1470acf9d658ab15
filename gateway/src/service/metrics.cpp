#include <claimgate/gateway/metrics.hpp>

namespace claimgate::gateway {

std::string_view routeName(Route route) {
    static constexpr std::array<std::string_view, kRouteCount> kNames = {
        "programs", "eligibility", "claim_hold", "claim_commit",
        "claim_void", "claim_get", "admin", "other"};
    return kNames[static_cast<std::size_t>(route)];
}

std::size_t Metrics::statusSlot(int http_status) {
    for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
        if (kStatuses[i] == http_status) return i;
    }
    return kStatuses.size() - 1;
}

void Metrics::recordRequest(Route route, int http_status, std::int64_t latency_micros) {
    const auto route_index = static_cast<std::size_t>(route);
    requests_[route_index][statusSlot(http_status)].fetch_add(1, std::memory_order_relaxed);
    std::size_t bucket = 0;
    while (bucket < kLatencyBucketsMicros.size() &&
           latency_micros > kLatencyBucketsMicros[bucket]) {
        ++bucket;
    }
    latency_buckets_[route_index][bucket].fetch_add(1, std::memory_order_relaxed);
    latency_sum_micros_[route_index].fetch_add(static_cast<std::uint64_t>(latency_micros),
                                               std::memory_order_relaxed);
}

std::uint64_t Metrics::requests(Route route, int http_status) const {
    return requests_[static_cast<std::size_t>(route)][statusSlot(http_status)].load();
}

std::string Metrics::renderPrometheus(const std::function<void(std::string&)>& extra) const {
    std::string out;
    out.reserve(16384);
    out += "# HELP claimgate_requests_total Requests by route and HTTP status.\n";
    out += "# TYPE claimgate_requests_total counter\n";
    for (std::size_t route = 0; route < kRouteCount; ++route) {
        for (std::size_t slot = 0; slot < kStatuses.size(); ++slot) {
            const auto count = requests_[route][slot].load(std::memory_order_relaxed);
            if (count == 0) continue;
            out += "claimgate_requests_total{route=\"";
            out += routeName(static_cast<Route>(route));
            out += "\",status=\"";
            out += kStatuses[slot] == 0 ? std::string("other") : std::to_string(kStatuses[slot]);
            out += "\"} " + std::to_string(count) + "\n";
        }
    }
    out += "# HELP claimgate_request_duration_seconds Server time per request.\n";
    out += "# TYPE claimgate_request_duration_seconds histogram\n";
    for (std::size_t route = 0; route < kRouteCount; ++route) {
        std::uint64_t cumulative = 0;
        const std::string label = std::string("route=\"") +
                                  std::string(routeName(static_cast<Route>(route))) + "\"";
        for (std::size_t bucket = 0; bucket <= kLatencyBucketsMicros.size(); ++bucket) {
            cumulative += latency_buckets_[route][bucket].load(std::memory_order_relaxed);
            const std::string le =
                bucket < kLatencyBucketsMicros.size()
                    ? std::to_string(static_cast<double>(kLatencyBucketsMicros[bucket]) / 1e6)
                    : std::string("+Inf");
            out += "claimgate_request_duration_seconds_bucket{" + label + ",le=\"" + le +
                   "\"} " + std::to_string(cumulative) + "\n";
        }
        out += "claimgate_request_duration_seconds_sum{" + label + "} " +
               std::to_string(static_cast<double>(latency_sum_micros_[route].load()) / 1e6) +
               "\n";
        out += "claimgate_request_duration_seconds_count{" + label + "} " +
               std::to_string(cumulative) + "\n";
    }
    out += "# HELP claimgate_claims_in_doubt Claims held past their TTL, awaiting evidence.\n";
    out += "# TYPE claimgate_claims_in_doubt gauge\n";
    out += "claimgate_claims_in_doubt " + std::to_string(in_doubt_.load()) + "\n";
    if (extra) extra(out);
    return out;
}

}  // namespace claimgate::gateway
