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
    void setInDoubt(std::int64_t value) { in_doubt_.store(value); }
    [[nodiscard]] std::int64_t inDoubt() const { return in_doubt_.load(); }
    [[nodiscard]] std::uint64_t requests(Route route, int http_status) const;

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
    void renderFrontEnd(std::string& out) const;

    std::array<std::array<std::atomic<std::uint64_t>, kStatuses.size()>, kRouteCount>
        requests_{};
    std::array<std::array<std::atomic<std::uint64_t>, kLatencyBucketsMicros.size() + 1>,
               kRouteCount>
        latency_buckets_{};
    std::array<std::atomic<std::uint64_t>, kRouteCount> latency_sum_micros_{};
    std::atomic<std::int64_t> in_doubt_{0};
    static constexpr std::size_t slot(Listener listener) {
        return static_cast<std::size_t>(listener);
    }
    static void bump(std::atomic<std::uint64_t>& counter) {
        counter.fetch_add(1, std::memory_order_relaxed);
    }
    static void bump(std::atomic<std::int64_t>& gauge, std::int64_t delta) {
        gauge.fetch_add(delta, std::memory_order_relaxed);
    }
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

}  // namespace claimgate::gateway
