#include <claimgate/gateway/metrics.hpp>

#include <claimgate/ledger/database_health.hpp>
#include <claimgate/ledger/group_committer.hpp>
#include <claimgate/ledger/heap_retention.hpp>

#include <claimgate/protocols/build_info.hpp>
#include <claimgate/protocols/domain.hpp>

#include <map>
#include <tuple>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;

static_assert(static_cast<std::size_t>(ErrorCode::internal) < 64,
              "Metrics::kOutcomeSlots must hold every ErrorCode");

std::string seconds(std::int64_t micros) {
    return std::to_string(static_cast<double>(micros) / 1e6);
}

/// Label values come from our own vocabulary (program ids, channel names), but escaping keeps
/// the text format valid whatever a future caller passes.
std::string labelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void appendSample(std::string& out, std::string_view name, std::string_view labels,
                  const std::string& value) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
}

constexpr std::array<std::string_view, kListenerCount> kListenerNames = {"api", "admin", "bench"};
constexpr std::array<std::string_view, kConnectionRefusalCount> kRefusalNames = {"node_cap",
                                                                                 "peer_cap"};
constexpr std::array<std::string_view, kHandshakeFailureCount> kHandshakeFailureNames = {
    "timeout", "handshake", "untrusted"};

std::string listenerLabel(std::size_t listener) {
    return "listener=\"" + std::string(kListenerNames[listener]) + "\"";
}

}  // namespace

std::string_view routeName(Route route) {
    static constexpr std::array<std::string_view, kRouteCount> kNames = {
        "programs",   "eligibility", "claim_hold", "claim_commit",
        "claim_void", "claim_get",   "admin",      "other"};
    return kNames[static_cast<std::size_t>(route)];
}

void appendMetricHeader(std::string& out, std::string_view name, std::string_view type,
                        std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
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

void Metrics::recordEligibility(ErrorCode outcome) {
    const auto slot = static_cast<std::size_t>(outcome);
    if (slot < kOutcomeSlots) {
        eligibility_outcomes_[slot].fetch_add(1, std::memory_order_relaxed);
    }
}

std::uint64_t Metrics::requests(Route route, int http_status) const {
    return requests_[static_cast<std::size_t>(route)][statusSlot(http_status)].load();
}

std::uint64_t Metrics::eligibilityOutcomes(ErrorCode outcome) const {
    const auto slot = static_cast<std::size_t>(outcome);
    return slot < kOutcomeSlots ? eligibility_outcomes_[slot].load() : 0;
}

void Metrics::renderFrontEnd(std::string& out) const {
    appendMetricHeader(out, "claimgate_connections_open", "gauge",
                       "Open client connections by listener.");
    for (std::size_t i = 0; i < kListenerCount; ++i) {
        appendSample(out, "claimgate_connections_open", listenerLabel(i),
                     std::to_string(connections_open_[i].load()));
    }
    appendMetricHeader(out, "claimgate_connections_refused_total", "counter",
                       "Connections closed at accept because a connection cap was reached.");
    for (std::size_t i = 0; i < kListenerCount; ++i) {
        for (std::size_t r = 0; r < kConnectionRefusalCount; ++r) {
            appendSample(out, "claimgate_connections_refused_total",
                         listenerLabel(i) + ",reason=\"" + std::string(kRefusalNames[r]) + "\"",
                         std::to_string(connections_refused_[i][r].load()));
        }
    }
    appendMetricHeader(out, "claimgate_connections_reaped_total", "counter",
                       "Idle keep-alive connections closed to make room near the connection "
                       "cap.");
    for (std::size_t i = 0; i < kListenerCount; ++i) {
        appendSample(out, "claimgate_connections_reaped_total", listenerLabel(i),
                     std::to_string(connections_reaped_[i].load()));
    }
    appendMetricHeader(out, "claimgate_tls_handshake_failures_total", "counter",
                       "TLS handshakes that failed: deadline passed, protocol error, or "
                       "untrusted certificate.");
    for (std::size_t r = 0; r < kHandshakeFailureCount; ++r) {
        appendSample(out, "claimgate_tls_handshake_failures_total",
                     "reason=\"" + std::string(kHandshakeFailureNames[r]) + "\"",
                     std::to_string(tls_handshake_failures_[r].load()));
    }
    appendMetricHeader(out, "claimgate_revoked_certificate_attempts_total", "counter",
                       "Requests refused because the client certificate is on the CRL.");
    appendSample(out, "claimgate_revoked_certificate_attempts_total", "",
                 std::to_string(revoked_attempts_.load()));
    appendMetricHeader(out, "claimgate_crl_next_update_timestamp_seconds", "gauge",
                       "nextUpdate of the CRL in force, unix seconds (0 = none).");
    appendSample(out, "claimgate_crl_next_update_timestamp_seconds", "",
                 std::to_string(crl_next_update_s_.load()));
    appendMetricHeader(out, "claimgate_crl_reloads_total", "counter",
                       "CA bundle and CRL reloads; rejected ones leave the previous pair in "
                       "force.");
    appendSample(out, "claimgate_crl_reloads_total", "result=\"ok\"",
                 std::to_string(crl_reloads_[0].load()));
    appendSample(out, "claimgate_crl_reloads_total", "result=\"rejected\"",
                 std::to_string(crl_reloads_[1].load()));
}

std::string Metrics::renderPrometheus(const std::function<void(std::string&)>& extra) const {
    std::string out;
    out.reserve(16384);
    appendMetricHeader(out, "claimgate_requests_total", "counter",
                       "Requests by route and HTTP status.");
    for (std::size_t route = 0; route < kRouteCount; ++route) {
        for (std::size_t slot = 0; slot < kStatuses.size(); ++slot) {
            const auto count = requests_[route][slot].load(std::memory_order_relaxed);
            if (count == 0) continue;
            appendSample(out, "claimgate_requests_total",
                         "route=\"" + std::string(routeName(static_cast<Route>(route))) +
                             "\",status=\"" +
                             (kStatuses[slot] == 0 ? std::string("other")
                                                   : std::to_string(kStatuses[slot])) +
                             "\"",
                         std::to_string(count));
        }
    }
    appendMetricHeader(out, "claimgate_request_duration_seconds", "histogram",
                       "Server time per request, by route.");
    for (std::size_t route = 0; route < kRouteCount; ++route) {
        std::uint64_t cumulative = 0;
        const std::string label =
            std::string("route=\"") + std::string(routeName(static_cast<Route>(route))) + "\"";
        for (std::size_t bucket = 0; bucket <= kLatencyBucketsMicros.size(); ++bucket) {
            cumulative += latency_buckets_[route][bucket].load(std::memory_order_relaxed);
            const std::string le = bucket < kLatencyBucketsMicros.size()
                                       ? seconds(kLatencyBucketsMicros[bucket])
                                       : std::string("+Inf");
            appendSample(out, "claimgate_request_duration_seconds_bucket",
                         label + ",le=\"" + le + "\"", std::to_string(cumulative));
        }
        appendSample(out, "claimgate_request_duration_seconds_sum", label,
                     seconds(static_cast<std::int64_t>(latency_sum_micros_[route].load())));
        appendSample(out, "claimgate_request_duration_seconds_count", label,
                     std::to_string(cumulative));
    }
    appendMetricHeader(out, "claimgate_eligibility_outcomes_total", "counter",
                       "Eligibility answers: eligible, or the reason for a refusal.");
    for (std::size_t slot = 0; slot < kOutcomeSlots; ++slot) {
        const auto count = eligibility_outcomes_[slot].load(std::memory_order_relaxed);
        if (count == 0) continue;
        const auto code = static_cast<ErrorCode>(slot);
        const std::string outcome = code == ErrorCode::ok
                                        ? std::string("eligible")
                                        : std::string(protocols::errorCodeName(code));
        appendSample(out, "claimgate_eligibility_outcomes_total",
                     "outcome=\"" + labelValue(outcome) + "\"", std::to_string(count));
    }
    appendMetricHeader(
        out, "claimgate_claims_in_doubt", "gauge",
        "Claims held past their TTL, awaiting evidence (cluster-wide: the ledger database's "
        "count).");
    appendSample(out, "claimgate_claims_in_doubt", "", std::to_string(in_doubt_.load()));
    appendMetricHeader(out, "claimgate_dispense_time_implausible_total", "counter",
                       "Commits whose dispense time was more than 5 min ahead of the gateway's "
                       "clock or before the hold: stored, but business dates use paid_at.");
    appendSample(out, "claimgate_dispense_time_implausible_total", "",
                 std::to_string(dispense_time_implausible_.load()));
    renderFrontEnd(out);
    if (extra) extra(out);
    return out;
}

void appendBuildInfo(std::string& out, std::string_view backend) {
    appendMetricHeader(out, "claimgate_build_info", "gauge", "Always 1; the labels say what runs.");
    appendSample(out, "claimgate_build_info",
                 "version=\"" + labelValue(protocols::buildVersion()) + "\",revision=\"" +
                     labelValue(protocols::buildRevision()) + "\",backend=\"" +
                     labelValue(backend) + "\",allocator=\"" + labelValue(heapAllocatorName()) +
                     "\"",
                 "1");
}

void appendLedgerMetrics(std::string& out, const GroupCommitStats& stats, std::size_t queue_depth,
                         const DatabaseHealth& health) {
    appendMetricHeader(out, "claimgate_ledger_queue_depth", "gauge",
                       "Operations waiting for the ledger writer.");
    appendSample(out, "claimgate_ledger_queue_depth", "", std::to_string(queue_depth));
    appendMetricHeader(out, "claimgate_ledger_batches_total", "counter",
                       "Committed ledger transactions.");
    appendSample(out, "claimgate_ledger_batches_total", "", std::to_string(stats.batches.load()));
    appendMetricHeader(out, "claimgate_ledger_operations_total", "counter",
                       "Operations in committed ledger transactions.");
    appendSample(out, "claimgate_ledger_operations_total", "",
                 std::to_string(stats.operations.load()));
    appendMetricHeader(out, "claimgate_ledger_failed_batches_total", "counter",
                       "Ledger transactions rolled back (their requests got 503).");
    appendSample(out, "claimgate_ledger_failed_batches_total", "",
                 std::to_string(stats.failed_batches.load()));
    appendMetricHeader(out, "claimgate_ledger_rerun_batches_total", "counter",
                       "Committed ledger transactions re-run operation by operation after the "
                       "database refused one of their writes.");
    appendSample(out, "claimgate_ledger_rerun_batches_total", "",
                 std::to_string(stats.rerun_batches.load()));
    appendMetricHeader(out, "claimgate_ledger_batch_size", "histogram",
                       "Operations per committed transaction.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < GroupCommitStats::kBatchSizeBuckets; ++i) {
        cumulative += stats.batch_size_buckets[i].load();
        const std::string le = i + 1 < GroupCommitStats::kBatchSizeBuckets
                                   ? std::to_string(std::size_t{1} << i)
                                   : std::string("+Inf");
        appendSample(out, "claimgate_ledger_batch_size_bucket", "le=\"" + le + "\"",
                     std::to_string(cumulative));
    }
    appendSample(out, "claimgate_ledger_batch_size_sum", "",
                 std::to_string(stats.operations.load()));
    appendSample(out, "claimgate_ledger_batch_size_count", "", std::to_string(cumulative));
    appendMetricHeader(out, "claimgate_ledger_commit_duration_seconds", "histogram",
                       "Per batch: begin of the transaction to durable commit.");
    cumulative = 0;
    const auto& bounds = GroupCommitStats::kCommitMicrosBounds;
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += stats.commit_micros_buckets[i].load();
        const std::string le = i < bounds.size() ? seconds(bounds[i]) : std::string("+Inf");
        appendSample(out, "claimgate_ledger_commit_duration_seconds_bucket", "le=\"" + le + "\"",
                     std::to_string(cumulative));
    }
    appendSample(out, "claimgate_ledger_commit_duration_seconds_sum", "",
                 seconds(static_cast<std::int64_t>(stats.commit_micros_sum.load())));
    appendSample(out, "claimgate_ledger_commit_duration_seconds_count", "",
                 std::to_string(cumulative));
    appendMetricHeader(out, "claimgate_ledger_database_up", "gauge",
                       "1 while the ledger database answers, 0 after a failed write or probe.");
    appendSample(out, "claimgate_ledger_database_up", "", health.up() ? "1" : "0");
    appendMetricHeader(out, "claimgate_ledger_reconnects_total", "counter",
                       "Times the ledger database answered again after being unreachable.");
    appendSample(out, "claimgate_ledger_reconnects_total", "", std::to_string(health.reconnects()));
}

void appendClaimTotals(std::string& out, const std::optional<std::vector<ClaimTotal>>& totals) {
    using protocols::ClaimStatus;
    // Every status of every (program, channel) seen, zeros included, so rates and alerts see a
    // series from its first claim on.
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::int64_t>> claims;
    std::map<std::pair<std::string, std::string>, std::int64_t> paid;
    if (totals) {
        for (const auto& total : *totals) {
            const auto key = std::make_pair(labelValue(total.program),
                                            std::string(protocols::channelName(total.channel)));
            auto& statuses = claims[key];
            for (const auto status : {ClaimStatus::held, ClaimStatus::in_doubt, ClaimStatus::paid,
                                      ClaimStatus::voided}) {
                statuses.try_emplace(std::string(protocols::claimStatusName(status)), 0);
            }
            statuses[std::string(protocols::claimStatusName(total.status))] += total.claims;
            paid.try_emplace(key, 0);
            if (total.status == ClaimStatus::paid) paid[key] += total.amount;
        }
    }
    appendMetricHeader(out, "claimgate_claims", "gauge",
                       "Claims by program, channel and status, cluster-wide (read from the "
                       "ledger database every few seconds).");
    for (const auto& [key, statuses] : claims) {
        for (const auto& [status, count] : statuses) {
            appendSample(out, "claimgate_claims",
                         "program=\"" + key.first + "\",channel=\"" + key.second + "\",status=\"" +
                             status + "\"",
                         std::to_string(count));
        }
    }
    appendMetricHeader(out, "claimgate_paid_amount_twd", "gauge",
                       "Money paid (TWD) by program and channel, cluster-wide (read from the "
                       "ledger database every few seconds).");
    for (const auto& [key, amount] : paid) {
        appendSample(out, "claimgate_paid_amount_twd",
                     "program=\"" + key.first + "\",channel=\"" + key.second + "\"",
                     std::to_string(amount));
    }
}

}  // namespace claimgate::gateway
