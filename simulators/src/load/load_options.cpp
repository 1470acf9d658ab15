#include "load/load_options.hpp"

#include "command_line.hpp"
#include "load/load_limits.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>

namespace claimgate::simulators {
namespace {

using protocols::ErrorCode;
using protocols::Status;

Status badOption(const std::string& message) { return Status(ErrorCode::bad_field, message); }

/// "check:P,claim:Q" (either part may be left out).
Status parseMix(const std::string& text, LoadOptions& options) {
    options.check_weight = 0;
    options.claim_weight = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string part =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const auto colon = part.find(':');
        if (colon == std::string::npos)
            return badOption("--mix part '" + part + "' needs NAME:WEIGHT");
        const auto weight = parseUnsigned(std::string_view(part).substr(colon + 1));
        if (!weight || *weight > 1'000'000) {
            return badOption("--mix weight in '" + part + "' must be 0..1000000");
        }
        const std::string name = part.substr(0, colon);
        if (name == "check") {
            options.check_weight = static_cast<std::uint32_t>(*weight);
        } else if (name == "claim") {
            options.claim_weight = static_cast<std::uint32_t>(*weight);
        } else {
            return badOption("--mix knows check and claim, not '" + name + "'");
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (options.check_weight == 0 && options.claim_weight == 0) {
        return badOption("--mix needs a weight above 0");
    }
    return Status::okStatus();
}

bool isLoopbackHost(const std::string& host) {
    if (host == "localhost") return true;
    try {
        return Poco::Net::IPAddress(host).isLoopback();
    } catch (const Poco::Exception&) {
        return false;
    }
}

}  // namespace

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> parsePositiveDouble(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(value) || value <= 0.0) {
        return std::nullopt;
    }
    return value;
}

void printLoadUsage(std::FILE* stream) {
    std::fprintf(
        stream,
        "A fleet of N terminals, each on its own keep-alive connection, sends eligibility "
        "checks\n"
        "and claims (hold + commit, fresh Idempotency-Keys) to a gateway on this machine; a few\n"
        "I/O threads drive all of them (event-driven, so the generator takes little CPU from\n"
        "the gateway it measures).\n"
        "The roster is split across the terminals and every citizen is claimed at most once.\n"
        "Every terminal connects (and completes its TLS handshake) before the clock starts.\n"
        "Closed loop by default; with --rate, sends are scheduled at R requests/s in total and\n"
        "latency counts from the scheduled time (no coordinated omission). The last stdout line\n"
        "is one JSON object: throughput, latency percentiles, errors by code, double payouts.\n"
        "\n"
        "usage: claimgate-sim load --gateway URL --roster FILE.csv [--pki-dir DIR]\n"
        "           [--terminals N] [--duration SECONDS] [--mix check:P,claim:Q] [--rate R]\n"
        "           [--seed S] [--program ID] [--terminal-cert ID] [--channel atm|counter]\n"
        "           [--data-dir DIR] [--requests N] [--io-threads N]\n"
        "\n"
        "  --gateway URL          https://127.0.0.1:PORT (mutual TLS) or http://127.0.0.1:PORT\n"
        "                         (the gateway's --bench-http-listen); loopback hosts only\n"
        "                         (required)\n"
        "  --pki-dir DIR          dev PKI (ca.pem, terminals/ID.pem/.key); required for https\n"
        "  --roster FILE.csv      citizen_id,nhi_card_no,amount,proxies,claim_by (proxy-only\n"
        "                         rows are skipped); at most %zu rows (required)\n"
        "  --terminals N          1..%d (default 8), one keep-alive connection each\n"
        "  --duration SECONDS     up to %d (default 10)\n"
        "  --mix check:P,claim:Q  operation weights (default check:1)\n"
        "  --rate R               open loop, R requests/s over all terminals (default: closed\n"
        "                         loop)\n"
        "  --seed S               seed of every random choice (default: random; printed)\n"
        "  --program ID           program to use (default: the first open one)\n"
        "  --terminal-cert ID     certificate under DIR/terminals/ (default atm-0001)\n"
        "  --channel atm|counter  channel sent in requests, must match the certificate\n"
        "                         (default atm; kiosk slips: claimgate-sim kiosk)\n"
        "  --data-dir DIR         gateway data dir: count double payouts in its ledger read-only\n"
        "                         (default: GET /v1/claims/{id} for each claim made)\n"
        "  --requests N           stop after N requests in total (default: no limit)\n"
        "  --io-threads N         1..%d threads the terminals are spread over (default %d)\n",
        kLoadRosterRowsMax, kLoadTerminalsMax, kLoadDurationSecondsMax, kLoadIoThreadsMax,
        LoadOptions{}.io_threads);
}

std::string hostHeader(const GatewayUrl& url) {
    const bool ipv6 = url.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
}

protocols::Result<GatewayUrl> parseGatewayUrl(const std::string& text) {
    GatewayUrl url;
    std::string rest;
    if (text.rfind("https://", 0) == 0) {
        url.tls = true;
        rest = text.substr(8);
    } else if (text.rfind("http://", 0) == 0) {
        rest = text.substr(7);
    } else {
        return badOption("--gateway must start with https:// or http://");
    }
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    std::string port_text;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            return badOption("--gateway: expected [IPv6]:PORT");
        }
        url.host = rest.substr(1, close - 1);
        port_text = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string::npos) return badOption("--gateway needs an explicit :PORT");
        url.host = rest.substr(0, colon);
        port_text = rest.substr(colon + 1);
    }
    const auto port = parseUnsigned(port_text);
    if (!port || *port == 0 || *port > 65535)
        return badOption("--gateway: bad port '" + port_text + "'");
    url.port = static_cast<std::uint16_t>(*port);
    if (!isLoopbackHost(url.host)) {
        return badOption("--gateway host '" + url.host +
                         "' is not loopback: the load generator only targets this machine");
    }
    return url;
}

protocols::Result<ParsedLoadOptions> parseLoadOptions(int argc, char** argv) {
    ParsedLoadOptions parsed;
    LoadOptions& options = parsed.options;
    bool have_gateway = false;
    bool have_seed = false;
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
        if (flag == "--gateway") {
            auto url = parseGatewayUrl(value);
            if (!url) return url.status();
            options.gateway = url.value();
            have_gateway = true;
        } else if (flag == "--pki-dir") {
            options.pki_dir = value;
        } else if (flag == "--roster") {
            options.roster_path = value;
        } else if (flag == "--terminals") {
            const auto n = parseUnsigned(value);
            if (!n || *n < 1 || *n > static_cast<std::uint64_t>(kLoadTerminalsMax)) {
                return badOption("--terminals must be 1.." + std::to_string(kLoadTerminalsMax));
            }
            options.terminals = static_cast<int>(*n);
        } else if (flag == "--duration") {
            const auto seconds = parsePositiveDouble(value);
            if (!seconds || *seconds > kLoadDurationSecondsMax) {
                return badOption("--duration must be above 0 and at most " +
                                 std::to_string(kLoadDurationSecondsMax) + " seconds");
            }
            options.duration_s = *seconds;
        } else if (flag == "--mix") {
            if (Status mixed = parseMix(value, options); !mixed.ok()) return mixed;
        } else if (flag == "--rate") {
            const auto rate = parsePositiveDouble(value);
            if (!rate || *rate > kLoadRateMax)
                return badOption("--rate must be above 0 and at most 1e6");
            options.rate = *rate;
        } else if (flag == "--seed") {
            const auto seed = parseUnsigned(value);
            if (!seed) return badOption("--seed must be an unsigned 64-bit integer");
            options.seed = *seed;
            have_seed = true;
        } else if (flag == "--program") {
            options.program = value;
        } else if (flag == "--terminal-cert") {
            if (value.empty() || value.find('/') != std::string::npos) {
                return badOption("--terminal-cert is a terminal id such as atm-0001");
            }
            options.terminal_cert = value;
        } else if (flag == "--channel") {
            // A kiosk cannot commit its own slip (only a POS till of its operator may), and
            // a load terminal commits what it holds: kiosk flows are `claimgate-sim kiosk`.
            if (value != "atm" && value != "counter") {
                return badOption(
                    "--channel must be atm or counter (kiosk slips are paid at a "
                    "POS: use claimgate-sim kiosk)");
            }
            options.channel = value;
        } else if (flag == "--data-dir") {
            options.data_dir = value;
        } else if (flag == "--requests") {
            const auto n = parseUnsigned(value);
            if (!n || *n < 1 || *n > kLoadRequestsMax) {
                return badOption("--requests must be 1.." + std::to_string(kLoadRequestsMax));
            }
            options.requests_max = *n;
        } else if (flag == "--io-threads") {
            const auto n = parseUnsigned(value);
            if (!n || *n < 1 || *n > static_cast<std::uint64_t>(kLoadIoThreadsMax)) {
                return badOption("--io-threads must be 1.." + std::to_string(kLoadIoThreadsMax));
            }
            options.io_threads = static_cast<int>(*n);
        } else {
            return badOption("unknown option " + flag);
        }
    }
    if (!have_gateway) return badOption("--gateway is required");
    if (options.roster_path.empty()) return badOption("--roster is required");
    if (options.gateway.tls && options.pki_dir.empty()) {
        return badOption("--pki-dir is required for an https:// gateway");
    }
    if (!have_seed) options.seed = std::random_device{}() * 0x100000000ULL + std::random_device{}();
    if (options.requests_max == 0) options.requests_max = kLoadRequestsMax;
    return parsed;
}

}  // namespace claimgate::simulators
