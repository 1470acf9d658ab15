// File: metrics.hpp
// Prometheus text metrics without a metrics library (POCO 1.11 has none): fixed arrays of
// relaxed atomics, so recording costs a few nanoseconds and never allocates. Every series is
// rendered with its # HELP and # TYPE lines (contracts §11 lists them; `promtool check metrics`
// runs on a live gateway in the tests, and deploy/ queries exactly these names).
#pragma once

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/error_code.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::gateway {

class DatabaseHealth;
struct GroupCommitStats;

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

/// The listeners of the front end, and why a connection was turned away or a handshake failed.
enum class Listener : std::uint8_t { api, admin, bench };
inline constexpr std::size_t kListenerCount = 3;
enum class ConnectionRefusal : std::uint8_t { node_cap, peer_cap };
inline constexpr std::size_t kConnectionRefusalCount = 2;
enum class HandshakeFailure : std::uint8_t { timeout, handshake, untrusted };
inline constexpr std::size_t kHandshakeFailureCount = 3;

class Metrics {
public:
    void recordRequest(Route route, int http_status, std::int64_t latency_micros);
    /// One eligibility answer: `ok` (eligible) or the refusal reason of the 200 reply.
    void recordEligibility(protocols::ErrorCode outcome);
    void setInDoubt(std::int64_t value) { in_doubt_.store(value); }
    [[nodiscard]] std::int64_t inDoubt() const { return in_doubt_.load(); }
    /// A commit whose dispense time was stored but is implausible (dispense_time.hpp).
    void dispenseTimeImplausible() { bump(dispense_time_implausible_); }
    [[nodiscard]] std::uint64_t requests(Route route, int http_status) const;
    [[nodiscard]] std::uint64_t eligibilityOutcomes(protocols::ErrorCode outcome) const;

    // The front end's connection counters (gateway/src/net/), named as deploy/ expects.
    void connectionOpened(Listener listener) { bump(connections_open_[slot(listener)], 1); }
    void connectionClosed(Listener listener) { bump(connections_open_[slot(listener)], -1); }
    void connectionRefused(Listener listener, ConnectionRefusal reason) {
        bump(connections_refused_[slot(listener)][static_cast<std::size_t>(reason)]);
    }
    void connectionReaped(Listener listener) { bump(connections_reaped_[slot(listener)]); }
    void tlsHandshakeFailed(HandshakeFailure reason) {
        bump(tls_handshake_failures_[static_cast<std::size_t>(reason)]);
    }
    void revokedCertificateSeen() { bump(revoked_attempts_); }
    void crlReloaded(bool accepted) { bump(crl_reloads_[accepted ? 0 : 1]); }
    void setCrlNextUpdate(std::int64_t epoch_seconds) { crl_next_update_s_.store(epoch_seconds); }
    [[nodiscard]] std::int64_t connectionsOpen(Listener listener) const {
        return connections_open_[slot(listener)].load();
    }

    /// Renders this object's series; `extra` appends series owned elsewhere (see the
    /// append* functions below).
    [[nodiscard]] std::string renderPrometheus(
        const std::function<void(std::string&)>& extra) const;

private:
    void renderFrontEnd(std::string& out) const;

    static constexpr std::array<int, 13> kStatuses = {200, 201, 400, 403, 404, 405, 409,
                                                      413, 422, 429, 500, 503, 0};
    static constexpr std::array<std::int64_t, 14> kLatencyBucketsMicros = {
        50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000};
    /// Room for every ErrorCode (a static_assert in metrics.cpp keeps it so).
    static constexpr std::size_t kOutcomeSlots = 64;
    static std::size_t statusSlot(int http_status);
    static constexpr std::size_t slot(Listener listener) {
        return static_cast<std::size_t>(listener);
    }
    static void bump(std::atomic<std::uint64_t>& counter) {
        counter.fetch_add(1, std::memory_order_relaxed);
    }
    static void bump(std::atomic<std::int64_t>& gauge, std::int64_t delta) {
        gauge.fetch_add(delta, std::memory_order_relaxed);
    }

    std::array<std::array<std::atomic<std::uint64_t>, kStatuses.size()>, kRouteCount> requests_{};
    std::array<std::array<std::atomic<std::uint64_t>, kLatencyBucketsMicros.size() + 1>,
               kRouteCount>
        latency_buckets_{};
    std::array<std::atomic<std::uint64_t>, kRouteCount> latency_sum_micros_{};
    std::array<std::atomic<std::uint64_t>, kOutcomeSlots> eligibility_outcomes_{};
    std::atomic<std::int64_t> in_doubt_{0};
    std::atomic<std::uint64_t> dispense_time_implausible_{0};
    std::array<std::atomic<std::int64_t>, kListenerCount> connections_open_{};
    std::array<std::array<std::atomic<std::uint64_t>, kConnectionRefusalCount>, kListenerCount>
        connections_refused_{};
    std::array<std::atomic<std::uint64_t>, kListenerCount> connections_reaped_{};
    std::array<std::atomic<std::uint64_t>, kHandshakeFailureCount> tls_handshake_failures_{};
    std::atomic<std::uint64_t> revoked_attempts_{0};
    std::array<std::atomic<std::uint64_t>, 2> crl_reloads_{};  // ok, rejected
    std::atomic<std::int64_t> crl_next_update_s_{0};
};

[[nodiscard]] std::string_view routeName(Route route);

/// `# HELP` and `# TYPE` of one series.
void appendMetricHeader(std::string& out, std::string_view name, std::string_view type,
                        std::string_view help);

/// claimgate_build_info{version,revision,backend} 1; `backend` is "sqlite" or "postgresql"
/// (never the --ledger URI itself: it may carry a password).
void appendBuildInfo(std::string& out, std::string_view backend);

/// The group committer's series and the database's health.
void appendLedgerMetrics(std::string& out, const GroupCommitStats& stats, std::size_t queue_depth,
                         const DatabaseHealth& health);

/// claimgate_claims{program,channel,status} and claimgate_paid_amount_twd{program,channel}
/// (headers only before the first successful read).
void appendClaimTotals(std::string& out, const std::optional<std::vector<ClaimTotal>>& totals);

}  // namespace claimgate::gateway
