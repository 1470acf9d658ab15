// File: load_options.hpp
// Command line of `claimgate-sim load` and the loopback-only gateway URL it accepts.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claimgate::simulators {

struct GatewayUrl {
    bool tls = false;  // https:// (mutual TLS) or http:// (the gateway's bench listener)
    std::string host;  // as given: "127.0.0.1", "localhost" or "::1"
    std::uint16_t port = 0;
};

struct LoadOptions {
    GatewayUrl gateway;
    std::string pki_dir;
    std::string roster_path;
    int terminals = 8;
    double duration_s = 10.0;
    /// Relative weights of the two operations; a claim is hold + commit.
    std::uint32_t check_weight = 1;
    std::uint32_t claim_weight = 0;
    /// Open loop when set: total requests per second over all terminals.
    std::optional<double> rate;
    std::uint64_t seed = 0;
    std::optional<std::string> program;
    std::string terminal_cert = "atm-0001";
    std::string channel = "atm";
    std::optional<std::string> data_dir;
    std::uint64_t requests_max = 0;  // 0 = bounded by the duration only
    // One thread drives 256 busy terminals with CPU to spare; a second one competes with the
    // gateway for the same cores (open-loop p99 got worse with two: docs/performance.md).
    int io_threads = 1;  // never more than there are terminals
};

struct ParsedLoadOptions {
    bool help = false;
    LoadOptions options;
};

/// Parses argv (argv[0] is the subcommand name). A random seed is drawn when none is given.
[[nodiscard]] protocols::Result<ParsedLoadOptions> parseLoadOptions(int argc, char** argv);

/// Parses http(s)://HOST:PORT[/]; refuses any host that is not loopback, since the generator
/// can saturate whatever it points at.
[[nodiscard]] protocols::Result<GatewayUrl> parseGatewayUrl(const std::string& text);

/// HOST:PORT as an HTTP Host header and a URL's authority: an IPv6 literal in brackets
/// (RFC 9110 §7.2 takes the URI's authority, RFC 3986 §3.2.2 brackets IPv6 literals).
[[nodiscard]] std::string hostHeader(const GatewayUrl& url);

void printLoadUsage(std::FILE* stream);

/// A whole decimal number, or nullopt (shared by the simulators' option parsers).
[[nodiscard]] std::optional<std::uint64_t> parseUnsigned(std::string_view text);
/// A finite number above 0, or nullopt.
[[nodiscard]] std::optional<double> parsePositiveDouble(const std::string& text);

}  // namespace claimgate::simulators
