// File: faultproxy_command.cpp
// `claimgate-sim faultproxy --listen HOST:PORT --target HOST:PORT --drop-rate R --reset-rate R
//  --delay-ms-max N --seed S`: see fault_proxy.hpp. Runs until SIGINT/SIGTERM.
#include "command_registry.hpp"
#include "faultproxy/fault_proxy.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace claimgate::simulators {
namespace {

std::atomic<bool> stop_requested{false};

void onSignal(int) { stop_requested.store(true); }

bool splitHostPort(const std::string& text, std::string& host, std::uint16_t& port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
        return false;
    }
    host = text.substr(0, colon);
    const long value = std::strtol(text.c_str() + colon + 1, nullptr, 10);
    if (host.empty() || value < 0 || value > 65535) {
        return false;
    }
    port = static_cast<std::uint16_t>(value);
    return true;
}

void usage(std::FILE* out = stderr) {
    std::fprintf(out,
                 "TCP proxy that drops (FIN) or resets (RST) a connection with the given\n"
                 "probability per request, before forwarding it or when its answer returns,\n"
                 "and delays chunks by up to N ms. Prints 'listening on HOST:PORT'.\n\n"
                 "usage: claimgate-sim faultproxy --listen HOST:PORT --target HOST:PORT\n"
                 "         [--drop-rate R] [--reset-rate R] [--delay-ms-max N] [--seed S]\n\n"
                 "  --listen HOST:PORT   where terminals connect; port 0 = any (required)\n"
                 "  --target HOST:PORT   the gateway (required)\n"
                 "  --drop-rate R        share of requests whose connection is closed (default 0)\n"
                 "  --reset-rate R       share of requests whose connection is reset (default 0)\n"
                 "  --delay-ms-max N     delay each chunk by up to N ms (default 0)\n"
                 "  --seed S             seed of every random choice (default: the clock)\n");
}

int runFaultProxy(int argc, char** argv) {
    FaultProxyOptions options;
    options.seed =
        static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    bool have_listen = false;
    bool have_target = false;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--help" || name == "-h") {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            usage();
            return 2;
        }
        const std::string value = argv[++i];
        if (name == "--listen") {
            have_listen = splitHostPort(value, options.listen_host, options.listen_port);
        } else if (name == "--target") {
            have_target = splitHostPort(value, options.target_host, options.target_port);
        } else if (name == "--drop-rate") {
            options.drop_rate = std::atof(value.c_str());
        } else if (name == "--reset-rate") {
            options.reset_rate = std::atof(value.c_str());
        } else if (name == "--delay-ms-max") {
            options.delay_ms_max = static_cast<std::uint32_t>(std::atol(value.c_str()));
        } else if (name == "--seed") {
            options.seed = std::strtoull(value.c_str(), nullptr, 10);
        } else {
            usage();
            return 2;
        }
    }
    if (!have_listen || !have_target || options.drop_rate < 0 || options.reset_rate < 0 ||
        options.drop_rate + options.reset_rate > 1.0) {
        std::fprintf(stderr,
                     "faultproxy: need --listen and --target HOST:PORT, rates within 0..1\n");
        return 2;
    }
    std::fprintf(stderr, "faultproxy: seed %llu\n", static_cast<unsigned long long>(options.seed));
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
    FaultProxy proxy(options);
    return proxy.run(stop_requested);
}

}  // namespace

CG_SIM_COMMAND(faultproxy, "TCP proxy that drops, delays and resets connections", runFaultProxy);

}  // namespace claimgate::simulators
