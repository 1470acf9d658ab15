// File: in_process_gateway.hpp
// The gateway's tests' main harness: a data dir seeded with the standard programs and roster,
// a GatewayRuntime in this process on port 0 with real mTLS, a ManualClock (no background
// sweeper: tests sweep with sweepNow()), and clients for any dev-PKI terminal.
#pragma once

#include "gateway_test_client.hpp"
#include "ledger_seed.hpp"
#include "temp_dir.hpp"

#include <claimgate/gateway/limits.hpp>
#include <claimgate/ledger/clock.hpp>

#include <claimgate/gateway/gateway_runtime.hpp>

#include <memory>
#include <optional>
#include <string>

namespace claimgate::testing {

struct InProcessGatewayOptions {
    std::size_t bulk_citizens = 0;
    std::size_t queue_depth_max = gateway::kLedgerQueueDepthMax;
    std::size_t commit_batch_max = gateway::kCommitBatchMaxDefault;
    int io_threads = 2;
    /// Plain-HTTP bench listener (contracts §11), e.g. "127.0.0.1:0", acting as bench_terminal.
    std::optional<std::string> bench_http_listen;
    std::optional<gateway::TerminalIdentity> bench_terminal;
};

class InProcessGateway {
public:
    /// Seeds and starts; throws std::runtime_error if the gateway does not start.
    explicit InProcessGateway(InProcessGatewayOptions options = {});
    ~InProcessGateway();
    InProcessGateway(const InProcessGateway&) = delete;
    InProcessGateway& operator=(const InProcessGateway&) = delete;

    /// Stops the runtime (drains the ledger queue). Idempotent.
    void stop();

    [[nodiscard]] gateway::GatewayRuntime& runtime() { return *runtime_; }
    [[nodiscard]] gateway::ManualClock& clock() { return *clock_; }
    [[nodiscard]] const StandardCitizens& citizens() const { return citizens_; }
    [[nodiscard]] const std::string& dataDir() const { return data_dir_; }
    [[nodiscard]] std::string ledgerPath() const { return data_dir_ + "/ledger.db"; }
    [[nodiscard]] std::uint16_t apiPort() const;
    [[nodiscard]] std::uint16_t adminPort() const;
    [[nodiscard]] std::uint16_t benchPort() const;

    [[nodiscard]] GatewayTestClient client(const std::string& terminal_id) const {
        return GatewayTestClient::forTerminal(apiPort(), terminal_id);
    }
    [[nodiscard]] GatewayTestClient admin() const { return GatewayTestClient::plain(adminPort()); }

private:
    TempDir temp_;
    std::string data_dir_;
    StandardCitizens citizens_;
    std::shared_ptr<gateway::ManualClock> clock_;
    std::unique_ptr<gateway::GatewayRuntime> runtime_;
};

}  // namespace claimgate::testing
