// File: gateway_runtime.hpp
// The composition root of `claimgate-gateway serve`: ledger store, engine, group committer,
// eligibility index, claim service, the event-driven listeners (mTLS API and optional loopback
// bench on the API I/O threads, admin on its own thread), the expiry sweeper and the watchdog
// (ledger reachability for /readyz, certificate file changes). Tests run it in-process on
// port 0.
#pragma once

#include <claimgate/ledger/clock.hpp>
#include <claimgate/protocols/status.hpp>

#include <claimgate/gateway/gateway_config.hpp>

#include <memory>
#include <string>

namespace claimgate::gateway {

class ClaimService;
class Metrics;
class EligibilityIndex;
class RosterFollower;

class GatewayRuntime {
public:
    GatewayRuntime(GatewayConfig config, ClockPtr clock);
    ~GatewayRuntime();
    GatewayRuntime(const GatewayRuntime&) = delete;
    GatewayRuntime& operator=(const GatewayRuntime&) = delete;

    /// Opens the ledger, binds the listeners, loads the roster index, marks ready.
    [[nodiscard]] protocols::Status start();
    /// Stops accepting, drains the ledger queue, closes. Idempotent.
    void stop();

    /// Re-reads the CA bundle and CRL (SIGHUP); the old ones stay on any problem. Thread-safe.
    protocols::Status reloadCertificates();

    [[nodiscard]] std::uint16_t apiPort() const;
    [[nodiscard]] std::uint16_t adminPort() const;
    [[nodiscard]] std::uint16_t benchPort() const;
    [[nodiscard]] ClaimService& service();
    [[nodiscard]] Metrics& metrics();
    [[nodiscard]] EligibilityIndex& index();
    /// Valid after start().
    [[nodiscard]] RosterFollower& rosterFollower();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace claimgate::gateway
