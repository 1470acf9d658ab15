// File: fleet_options.hpp
// Command line of `claimgate-sim fleet`: a national fleet of mostly idle mTLS terminals plus an
// open-loop active set (fleet mode), or silent and dribbling TCP peers against a legitimate
// terminal's probes (abuse mode).
#pragma once

#include "load/load_options.hpp"

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace claimgate::simulators {

struct FleetOptions {
    GatewayUrl gateway;  // https:// only: the fleet is about mutual TLS connections
    std::string pki_dir;
    std::string roster_path;
    std::string program;
    std::string terminal_cert = "atm-0001";
    std::string channel = "atm";
    int io_threads = 2;
    std::uint64_t seed = 0;
    double duration_s = 20.0;
    // Fleet mode.
    int idle = 0;
    int active = 0;
    double rate = 0.0;  // checks/s over the active set; required when active > 0
    int open_concurrency = 128;
    std::optional<long> gateway_pid;  // read its VmRSS around the opening of the idle fleet
    // Abuse mode (when silent or dribble > 0).
    int silent = 0;
    int dribble = 0;
    double dribble_interval_s = 2.0;
    double probe_rate = 20.0;
    double baseline_s = 5.0;

    [[nodiscard]] bool abuseMode() const noexcept { return silent > 0 || dribble > 0; }
};

struct ParsedFleetOptions {
    bool help = false;
    FleetOptions options;
};

/// Parses argv (argv[0] is the subcommand name). A random seed is drawn when none is given.
[[nodiscard]] protocols::Result<ParsedFleetOptions> parseFleetOptions(int argc, char** argv);

void printFleetUsage(std::FILE* stream);

}  // namespace claimgate::simulators
