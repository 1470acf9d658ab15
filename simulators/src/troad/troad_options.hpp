// File: troad_options.hpp
// Command line of `claimgate-sim troad`.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace claimgate::simulators::troad {

enum class ErrorSpelling { legacy, snake };  // X-Road 7.7 "Server.ServerProxy.AccessDenied" / 7.8

struct TroadOptions {
    std::string pki_dir;
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;
    std::vector<std::string> program_files;
    /// (program id or empty for the first program, CSV path)
    std::vector<std::pair<std::string, std::string>> rosters;
    std::string roster_updates_file;
    std::string payouts_file;
    std::string state_dir;
    std::size_t page_size = 0;  // 0 = default
    std::uint64_t seed = 1;
    std::size_t churn = 0;  // seeded updates/removals appended after the adds
    ErrorSpelling error_spelling = ErrorSpelling::legacy;
    std::string client_id = "TW/GOV/CLAIMGATE/gateway";
    std::string client_cn = "claimgate-gateway";
    bool help = false;

    /// argv[0] is "troad". Errors (bad_field) say which flag is wrong.
    static protocols::Result<TroadOptions> parse(int argc, char** argv);
    static const char* usage();
};

}  // namespace claimgate::simulators::troad
