#include "fleet/fleet_options.hpp"

#include "command_line.hpp"
#include "fleet/fleet_limits.hpp"

#include <random>

namespace claimgate::simulators {
namespace {

using protocols::ErrorCode;
using protocols::Status;

Status badOption(const std::string& message) { return Status(ErrorCode::bad_field, message); }

Status parseCount(const std::string& flag, const std::string& value, int low, int high, int& out) {
    const auto n = parseUnsigned(value);
    if (!n || *n < static_cast<std::uint64_t>(low) || *n > static_cast<std::uint64_t>(high)) {
        return badOption(flag + " must be " + std::to_string(low) + ".." + std::to_string(high));
    }
    out = static_cast<int>(*n);
    return Status::okStatus();
}

Status parseSeconds(const std::string& flag, const std::string& value, double high, double& out) {
    const auto seconds = parsePositiveDouble(value);
    if (!seconds || *seconds > high) {
        return badOption(flag + " must be a number above 0, at most " +
                         std::to_string(static_cast<long long>(high)));
    }
    out = *seconds;
    return Status::okStatus();
}

}  // namespace

void printFleetUsage(std::FILE* stream) {
    std::fprintf(
        stream,
        "A national fleet on one gateway node, from a few event-driven I/O threads (no thread\n"
        "per connection). The last stdout line is one JSON object.\n"
        "\n"
        "Fleet mode: opens --idle mutual-TLS terminal connections (each sends one eligibility\n"
        "check, then stays idle like a terminal between customers) and --active ones that send\n"
        "checks open-loop at --rate in total for --duration seconds, latency counted from each\n"
        "check's due time. Reports connections established / refused / reset, active latency\n"
        "percentiles and the achieved rate; with --gateway-pid, the gateway's VmRSS before and\n"
        "after the idle fleet opened and the KiB per idle connection.\n"
        "\n"
        "Abuse mode (--silent or --dribble): a legitimate terminal probes at --probe-rate (new\n"
        "connection, handshake, one check) for --baseline seconds, then again for --duration\n"
        "seconds while K silent TCP connections (no TLS bytes) and K dribbling ones (one byte\n"
        "every --dribble-interval seconds) are held open, reopened whenever the gateway drops\n"
        "them. Reports the probes' latency in both phases and the delay between them.\n"
        "\n"
        "usage: claimgate-sim fleet --gateway https://127.0.0.1:PORT --pki-dir DIR\n"
        "           --roster FILE.csv --program ID [--terminal-cert ID] [--channel atm|counter]\n"
        "           [--io-threads N] [--seed S] [--duration SECONDS]\n"
        "           [--idle N] [--active M --rate R] [--open-concurrency N] [--gateway-pid PID]\n"
        "           [--silent K] [--dribble K] [--dribble-interval S] [--probe-rate R]\n"
        "           [--baseline SECONDS]\n"
        "\n"
        "  --idle N               idle connections, 0..%d (default 0)\n"
        "  --active M             open-loop connections, 0..%d (default 0)\n"
        "  --rate R               checks/s over the active connections (required with --active)\n"
        "  --open-concurrency N   connects + handshakes in flight per I/O thread while the idle\n"
        "                         fleet opens (default 128)\n"
        "  --gateway-pid PID      read /proc/PID/status VmRSS (the gateway on this machine)\n"
        "  --silent K, --dribble K  abusive plain-TCP connections, 0..%d each (default 0)\n"
        "  --dribble-interval S   seconds between a dribbler's bytes (default 2)\n"
        "  --probe-rate R         legitimate probes per second (default 20)\n"
        "  --baseline SECONDS     probes before the abuse starts (default 5)\n"
        "  --duration SECONDS     active load, or probes under abuse; up to %d (default 20)\n"
        "  --io-threads N         client I/O threads, 1..%d (default 2)\n"
        "  --terminal-cert ID     certificate under DIR/terminals/ (default atm-0001)\n",
        kFleetIdleMax, kFleetActiveMax, kFleetAbusiveMax, kFleetDurationSecondsMax,
        kFleetIoThreadsMax);
}

protocols::Result<ParsedFleetOptions> parseFleetOptions(int argc, char** argv) {
    ParsedFleetOptions parsed;
    FleetOptions& options = parsed.options;
    bool have_gateway = false, have_seed = false;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            parsed.help = true;
            return parsed;
        }
        std::string value;
        if (!takeOptionValue(argc, argv, i, flag, value)) {
            return badOption("option " + flag + " needs a value");
        }
        Status status = Status::okStatus();
        if (flag == "--gateway") {
            auto url = parseGatewayUrl(value);
            if (!url) return url.status();
            if (!url->tls) return badOption("--gateway must be https:// (the fleet is mTLS)");
            options.gateway = url.value();
            have_gateway = true;
        } else if (flag == "--pki-dir") {
            options.pki_dir = value;
        } else if (flag == "--roster") {
            options.roster_path = value;
        } else if (flag == "--program") {
            options.program = value;
        } else if (flag == "--terminal-cert") {
            options.terminal_cert = value;
        } else if (flag == "--channel") {
            if (value != "atm" && value != "counter")
                return badOption("--channel must be atm or counter");
            options.channel = value;
        } else if (flag == "--io-threads") {
            status = parseCount(flag, value, 1, kFleetIoThreadsMax, options.io_threads);
        } else if (flag == "--seed") {
            const auto seed = parseUnsigned(value);
            if (!seed) return badOption("--seed must be a whole number");
            options.seed = *seed;
            have_seed = true;
        } else if (flag == "--duration") {
            status = parseSeconds(flag, value, kFleetDurationSecondsMax, options.duration_s);
        } else if (flag == "--idle") {
            status = parseCount(flag, value, 0, kFleetIdleMax, options.idle);
        } else if (flag == "--active") {
            status = parseCount(flag, value, 0, kFleetActiveMax, options.active);
        } else if (flag == "--rate") {
            status = parseSeconds(flag, value, kFleetRateMax, options.rate);
        } else if (flag == "--open-concurrency") {
            status = parseCount(flag, value, 1, kFleetOpenConcurrencyMax, options.open_concurrency);
        } else if (flag == "--gateway-pid") {
            const auto pid = parseUnsigned(value);
            if (!pid || *pid == 0 || *pid > 4'194'304) return badOption("--gateway-pid: bad pid");
            options.gateway_pid = static_cast<long>(*pid);
        } else if (flag == "--silent") {
            status = parseCount(flag, value, 0, kFleetAbusiveMax, options.silent);
        } else if (flag == "--dribble") {
            status = parseCount(flag, value, 0, kFleetAbusiveMax, options.dribble);
        } else if (flag == "--dribble-interval") {
            status = parseSeconds(flag, value, 3600, options.dribble_interval_s);
        } else if (flag == "--probe-rate") {
            status = parseSeconds(flag, value, 10'000, options.probe_rate);
        } else if (flag == "--baseline") {
            status = parseSeconds(flag, value, kFleetDurationSecondsMax, options.baseline_s);
        } else {
            return badOption("unknown option " + flag);
        }
        if (!status.ok()) return status;
    }
    if (!have_gateway) return badOption("--gateway is required");
    if (options.pki_dir.empty()) return badOption("--pki-dir is required");
    if (options.roster_path.empty()) return badOption("--roster is required");
    if (options.program.empty()) return badOption("--program is required");
    if (options.active > 0 && options.rate <= 0.0) return badOption("--active needs --rate");
    if (options.abuseMode() && (options.idle > 0 || options.active > 0)) {
        return badOption(
            "--silent/--dribble (abuse mode) and --idle/--active (fleet mode) are "
            "separate runs");
    }
    if (!options.abuseMode() && options.idle == 0 && options.active == 0) {
        return badOption("nothing to do: give --idle/--active or --silent/--dribble");
    }
    if (!have_seed) options.seed = std::random_device{}();
    return parsed;
}

}  // namespace claimgate::simulators
