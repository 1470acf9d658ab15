#include "in_process_gateway.hpp"

#include "test_pki.hpp"

#include <stdexcept>

namespace claimgate::testing {

InProcessGateway::InProcessGateway(InProcessGatewayOptions options)
    : temp_("cg-gw"),
      data_dir_(temp_.file("data")),
      citizens_(standardCitizens(options.bulk_citizens)),
      clock_(std::make_shared<gateway::ManualClock>(kStandardNowMillis)) {
    seedStandardLedger(data_dir_, citizens_);
    gateway::GatewayConfig config;
    config.data_dir = data_dir_;
    config.pki_dir = TestPki::shared().dir();
    config.listen = "127.0.0.1:0";
    config.admin_listen = "127.0.0.1:0";
    config.queue_depth_max = options.queue_depth_max;
    config.commit_batch_max = options.commit_batch_max;
    config.io_threads = options.io_threads;
    config.sweep_interval_ms = 0;
    config.bench_http_listen = options.bench_http_listen;
    config.bench_terminal = options.bench_terminal;
    runtime_ = std::make_unique<gateway::GatewayRuntime>(config, clock_);
    if (auto started = runtime_->start(); !started.ok()) {
        throw std::runtime_error("gateway did not start: " + started.message());
    }
}

InProcessGateway::~InProcessGateway() { stop(); }

void InProcessGateway::stop() {
    if (runtime_) runtime_->stop();
}

std::uint16_t InProcessGateway::apiPort() const { return runtime_->apiPort(); }
std::uint16_t InProcessGateway::adminPort() const { return runtime_->adminPort(); }
std::uint16_t InProcessGateway::benchPort() const { return runtime_->benchPort(); }

}  // namespace claimgate::testing
