// File: gateway_runtime.hpp
// The composition root of `claimgate-gateway serve`: ledger store, engine, group committer,
// eligibility index, claim service, the mTLS API listener, the admin listener, the optional
// loopback bench listener and the expiry sweeper. Tests run it in-process on port 0.
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

    [[nodiscard]] std::uint16_t apiPort() const;
    [[nodiscard]] std::uint16_t adminPort() const;
    [[nodiscard]] std::uint16_t benchPort() const;
    [[nodiscard]] ClaimService& service();
    [[nodiscard]] Metrics& metrics();
    [[nodiscard]] EligibilityIndex& index();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace claimgate::gateway
