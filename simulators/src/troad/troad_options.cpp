// File: troad_options.cpp
#include "troad/troad_options.hpp"

#include "troad/troad_sim_limits.hpp"

#include <charconv>
#include <string_view>

namespace claimgate::simulators::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

template <typename T>
bool parseNumber(std::string_view text, T& out) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

const char* TroadOptions::usage() {
    return "T-Road security server + payout platform on one HTTPS port (client certificate\n"
           "required, CA = DIR/ca.pem, server cert DIR/troad/server.pem). Prints the seed and\n"
           "'listening on HOST:PORT'. Stops on SIGINT or SIGTERM. See docs/troad.md.\n"
           "\n"
           "usage: claimgate-sim troad --pki-dir DIR --listen HOST:PORT --program FILE.json\n"
           "         [--roster [PROGRAM=]FILE.csv]... --state-dir DIR [--payouts FILE.csv]\n"
           "         [--roster-updates FILE.csv] [--churn N] [--page-size N] [--seed S]\n"
           "         [--error-spelling legacy|snake] [--client-id ID --client-cn CN]\n"
           "\n"
           "  --pki-dir DIR            dev PKI (required)\n"
           "  --listen HOST:PORT       port 0 picks a free port (required)\n"
           "  --program FILE.json      a program to serve; repeatable (required)\n"
           "  --roster [P=]FILE.csv    the roster of program P (default: the first program);\n"
           "                           repeatable (default: no roster)\n"
           "  --state-dir DIR          received claim batches and cursors (required)\n"
           "  --payouts FILE.csv       payouts made by other channels (default: none)\n"
           "  --roster-updates FILE    entries appended as updates after the adds (default: none)\n"
           "  --churn N                seeded updates and removals after the adds (default 0)\n"
           "  --page-size N            entries per page at most (default 500)\n"
           "  --seed S                 seed of every random choice (default 1; printed)\n"
           "  --error-spelling S       legacy (Server.ServerProxy...) or snake error types\n"
           "                           (default legacy)\n"
           "  --client-id ID           the X-Road client allowed in (default\n"
           "                           TW/GOV/CLAIMGATE/gateway)\n"
           "  --client-cn CN           its certificate CN (default claimgate-gateway)\n";
}

Result<TroadOptions> TroadOptions::parse(int argc, char** argv) {
    TroadOptions options;
    bool have_listen = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            options.help = true;
            return options;
        }
        if (i + 1 >= argc) {
            return Status{ErrorCode::bad_field, std::string(flag) + " needs a value"};
        }
        const std::string value = argv[++i];
        if (flag == "--pki-dir") {
            options.pki_dir = value;
        } else if (flag == "--listen") {
            const auto colon = value.rfind(':');
            unsigned port = 0;
            if (colon == std::string::npos || colon == 0 ||
                !parseNumber(std::string_view(value).substr(colon + 1), port) || port > 65535) {
                return Status{ErrorCode::bad_field, "--listen must be HOST:PORT"};
            }
            options.listen_host = value.substr(0, colon);
            options.listen_port = static_cast<std::uint16_t>(port);
            have_listen = true;
        } else if (flag == "--program") {
            options.program_files.push_back(value);
        } else if (flag == "--roster") {
            const auto eq = value.find('=');
            if (eq != std::string::npos && value.find('/') > eq) {
                options.rosters.emplace_back(value.substr(0, eq), value.substr(eq + 1));
            } else {
                options.rosters.emplace_back(std::string{}, value);
            }
        } else if (flag == "--roster-updates") {
            options.roster_updates_file = value;
        } else if (flag == "--payouts") {
            options.payouts_file = value;
        } else if (flag == "--state-dir") {
            options.state_dir = value;
        } else if (flag == "--page-size") {
            if (!parseNumber(value, options.page_size) || options.page_size == 0 ||
                options.page_size > kPageEntriesMax) {
                return Status{ErrorCode::bad_field,
                              "--page-size must be 1.." + std::to_string(kPageEntriesMax)};
            }
        } else if (flag == "--seed") {
            if (!parseNumber(value, options.seed)) {
                return Status{ErrorCode::bad_field, "--seed must be an unsigned integer"};
            }
        } else if (flag == "--churn") {
            if (!parseNumber(value, options.churn) || options.churn > kCsvRowsMax) {
                return Status{ErrorCode::bad_field, "--churn must be a count"};
            }
        } else if (flag == "--error-spelling") {
            if (value == "legacy") {
                options.error_spelling = ErrorSpelling::legacy;
            } else if (value == "snake") {
                options.error_spelling = ErrorSpelling::snake;
            } else {
                return Status{ErrorCode::bad_field, "--error-spelling must be legacy or snake"};
            }
        } else if (flag == "--client-id") {
            options.client_id = value;
        } else if (flag == "--client-cn") {
            options.client_cn = value;
        } else {
            return Status{ErrorCode::bad_field, "unknown option " + std::string(flag)};
        }
    }
    if (options.pki_dir.empty()) {
        return Status{ErrorCode::missing_field, "--pki-dir is required"};
    }
    if (!have_listen) {
        return Status{ErrorCode::missing_field, "--listen is required"};
    }
    if (options.program_files.empty()) {
        return Status{ErrorCode::missing_field, "--program is required"};
    }
    if (options.state_dir.empty()) {
        return Status{ErrorCode::missing_field, "--state-dir is required"};
    }
    if (options.page_size == 0) {
        options.page_size = kPageEntriesDefault;
    }
    return options;
}

}  // namespace claimgate::simulators::troad
