// claimgate-gateway: serve | program put | roster import (contracts §11).
#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/gateway/gateway_runtime.hpp>
#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/gateway/roster_importer.hpp>
#include <claimgate/gateway/access_log.hpp>
#include <claimgate/protocols/log.hpp>

#include <claimgate/protocols/build_info.hpp>

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/program.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace cglog = claimgate::log;
using claimgate::gateway::DataDir;
using claimgate::gateway::GatewayConfig;
using claimgate::gateway::GatewayRuntime;

constexpr const char* kUsage =
    "claimgate-gateway: the terminal-facing payout gateway (mutual TLS API, in-memory\n"
    "eligibility index, group-committed claim ledger on SQLite or PostgreSQL).\n"
    "\n"
    "usage:\n"
    "  claimgate-gateway serve --data-dir DIR --pki-dir DIR [options]\n"
    "  claimgate-gateway program put --data-dir DIR FILE.json [--ledger URI]\n"
    "  claimgate-gateway roster import --data-dir DIR --program ID FILE.csv\n"
    "                                  [--pepper-file FILE] [--ledger URI]\n"
    "  claimgate-gateway --version | --help\n"
    "\n"
    "serve: answers terminals until SIGINT or SIGTERM\n"
    "  --data-dir DIR             ledger.db and pepper live here (required)\n"
    "  --pki-dir DIR              ca.pem, crl.pem, gateway.pem/.key, receipt.key (required)\n"
    "  --listen HOST:PORT         terminal API, mutual TLS (default 127.0.0.1:8443; port 0 =\n"
    "                             any free port, printed on stdout)\n"
    "  --admin-listen HOST:PORT   /healthz /readyz /metrics, admin resolve, plain HTTP\n"
    "                             (default 127.0.0.1:9090)\n"
    "  --ledger sqlite|URI        sqlite (default, DATA_DIR/ledger.db) or postgresql://...\n"
    "                             shared by several nodes\n"
    "  --pepper-file FILE         32-byte HMAC key shared by every node (default: DATA_DIR/\n"
    "                             pepper, made on first use)\n"
    "  --commit-batch-max N       operations per ledger transaction (default 512, 1..8192)\n"
    "  --http-threads N           connections served at once (default 64, 1..64)\n"
    "  --sweep-interval-ms N      how often expired holds turn in_doubt (default 1000; 0 = off)\n"
    "  --ledger-stats-interval-ms N  how often /metrics re-reads the cluster-wide claim\n"
    "                             figures and probes the database (default 10000)\n"
    "  --access-log               one JSON line per API request on stderr (default off)\n"
    "  --bench-http-listen HOST:PORT  plain HTTP for benchmarks, loopback only (default off)\n"
    "  --bench-terminal ID/OPERATOR/CHANNEL  identity of every bench request (no default)\n"
    "\n"
    "program put: stores a program file (contracts section 11) in the ledger\n"
    "roster import: loads a roster CSV for --program (exit 3 when lines were rejected)\n"
    "  --ledger URI and --pepper-file as for serve\n"
    "\n"
    "Logs are JSON lines on stderr. Exit status: 0 ok, 1 failure, 2 usage error.\n";

struct Arguments {
    std::map<std::string, std::string> options;
    std::vector<std::string> positional;
};

bool parseArguments(int argc, char** argv, int first, Arguments& out) {
    for (int i = first; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) == 0) {
            if (arg == "--help") return false;
            if (arg == "--access-log") {  // the one option without a value
                out.options["access-log"] = "1";
                continue;
            }
            if (i + 1 >= argc) {
                std::fprintf(stderr, "option %s needs a value\n", arg.c_str());
                return false;
            }
            out.options[arg.substr(2)] = argv[++i];
        } else {
            out.positional.push_back(arg);
        }
    }
    return true;
}

std::string option(const Arguments& args, const std::string& name, const std::string& fallback = "") {
    const auto found = args.options.find(name);
    return found == args.options.end() ? fallback : found->second;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "claimgate-gateway: %s\n", message.c_str());
    return 1;
}

volatile std::sig_atomic_t g_stop_requested = 0;
void onSignal(int) { g_stop_requested = 1; }

int serve(const Arguments& args) {
    GatewayConfig config;
    config.data_dir = option(args, "data-dir");
    config.pki_dir = option(args, "pki-dir");
    if (config.data_dir.empty() || config.pki_dir.empty()) {
        return fail("serve needs --data-dir and --pki-dir");
    }
    config.listen = option(args, "listen", config.listen);
    config.admin_listen = option(args, "admin-listen", config.admin_listen);
    config.ledger = option(args, "ledger", config.ledger);
    if (args.options.count("bench-http-listen")) {
        config.bench_http_listen = option(args, "bench-http-listen");
        std::stringstream terminal(option(args, "bench-terminal"));
        std::string id, operator_id, channel;
        std::getline(terminal, id, '/');
        std::getline(terminal, operator_id, '/');
        std::getline(terminal, channel, '/');
        const auto parsed = claimgate::protocols::parseChannel(channel);
        if (id.empty() || operator_id.empty() || !parsed ||
            !claimgate::protocols::isTerminalChannel(*parsed)) {
            return fail("--bench-terminal must be ID/OPERATOR/atm|kiosk|counter");
        }
        config.bench_terminal = claimgate::gateway::TerminalIdentity{id, operator_id, *parsed};
    }
    if (args.options.count("pepper-file")) config.pepper_file = option(args, "pepper-file");
    try {
        if (args.options.count("commit-batch-max")) {
            const auto value = std::stoul(option(args, "commit-batch-max"));
            if (value < 1 || value > claimgate::gateway::kCommitBatchMaxLimit) {
                return fail("--commit-batch-max must be 1.." +
                            std::to_string(claimgate::gateway::kCommitBatchMaxLimit));
            }
            config.commit_batch_max = value;
        }
        if (args.options.count("http-threads")) {
            config.http_threads = std::stoi(option(args, "http-threads"));
            if (config.http_threads < 1 || config.http_threads > claimgate::gateway::kHttpThreadsMax) {
                return fail("--http-threads must be 1..64");
            }
        }
        if (args.options.count("sweep-interval-ms")) {
            config.sweep_interval_ms = std::stoll(option(args, "sweep-interval-ms"));
        }
        if (args.options.count("ledger-stats-interval-ms")) {
            config.ledger_stats_interval_ms = std::stoll(option(args, "ledger-stats-interval-ms"));
            if (config.ledger_stats_interval_ms < 100) {
                return fail("--ledger-stats-interval-ms must be at least 100");
            }
        }
    } catch (const std::exception&) {
        return fail("numeric option expected");
    }

    cglog::setAccessLogEnabled(args.options.count("access-log") != 0);
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
    GatewayRuntime runtime(config, std::make_shared<claimgate::gateway::SystemClock>());
    if (auto status = runtime.start(); !status.ok()) {
        cglog::error("gateway", "cannot start", {{"error", cglog::firstLine(status.message())}});
        return 1;
    }
    cglog::info("gateway", "started",
                {{"version", claimgate::protocols::buildVersion()},
                 {"revision", claimgate::protocols::buildRevision()},
                 {"api_port", runtime.apiPort()},
                 {"admin_port", runtime.adminPort()}});
    std::printf("listening on %s:%u\n", config.listen.substr(0, config.listen.rfind(':')).c_str(),
                runtime.apiPort());
    std::printf("admin listening on %s:%u\n",
                config.admin_listen.substr(0, config.admin_listen.rfind(':')).c_str(),
                runtime.adminPort());
    if (config.bench_http_listen) {
        std::printf("bench listening on %s:%u\n",
                    config.bench_http_listen->substr(0, config.bench_http_listen->rfind(':')).c_str(),
                    runtime.benchPort());
    }
    std::fflush(stdout);
    while (!g_stop_requested) ::pause();
    cglog::info("gateway", "stopping");
    runtime.stop();
    return 0;
}

int programPut(const Arguments& args) {
    const std::string data_dir = option(args, "data-dir");
    if (data_dir.empty() || args.positional.size() != 1) return fail("program put --data-dir DIR FILE.json");
    std::ifstream in(args.positional[0]);
    if (!in) return fail("cannot read " + args.positional[0]);
    std::stringstream text;
    text << in.rdbuf();
    auto program = claimgate::protocols::Program::fromJson(text.str());
    if (!program) {
        return fail(args.positional[0] + ": " + program.status().message() + " " +
                    program.status().detail().dump());
    }
    DataDir dir(data_dir);
    if (auto made = dir.ensureExists(); !made.ok()) return fail(made.message());
    auto store = claimgate::gateway::openLedgerStore(data_dir, option(args, "ledger", "sqlite"));
    if (!store) return fail(store.status().message());
    try {
        store.value()->begin();
        store.value()->putProgram(program.value());
        store.value()->commit();
    } catch (const std::exception& error) {
        return fail(error.what());
    }
    std::printf("program %s stored (%lld TWD, channels:", program->id.c_str(),
                static_cast<long long>(program->amount));
    for (auto channel : program->channels) {
        std::printf(" %s", std::string(claimgate::protocols::channelName(channel)).c_str());
    }
    std::printf(")\n");
    return 0;
}

int rosterImport(const Arguments& args) {
    const std::string data_dir = option(args, "data-dir");
    const std::string program = option(args, "program");
    if (data_dir.empty() || program.empty() || args.positional.size() != 1) {
        return fail("roster import --data-dir DIR --program ID FILE.csv");
    }
    DataDir dir(data_dir);
    if (auto made = dir.ensureExists(); !made.ok()) return fail(made.message());
    std::optional<std::string> pepper_file;
    if (args.options.count("pepper-file")) pepper_file = option(args, "pepper-file");
    auto pepper = dir.loadOrCreatePepper(pepper_file);
    if (!pepper) return fail(pepper.status().message());
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    auto store = claimgate::gateway::openLedgerStore(data_dir, option(args, "ledger", "sqlite"));
    if (!store) return fail(store.status().message());
    try {
        claimgate::gateway::RosterImporter importer(*store.value(), pepper.value());
        auto summary = importer.importFile(
            program, args.positional[0],
            [tty](std::uint64_t rows, std::uint64_t done, std::uint64_t total) {
                if (!tty) return;
                std::fprintf(stderr, "\r  %llu rows, %3.0f%%", static_cast<unsigned long long>(rows),
                             total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0);
            });
        if (tty) std::fprintf(stderr, "\n");
        if (!summary) return fail(summary.status().message());
        for (const auto& problem : summary->problems) std::fprintf(stderr, "  %s\n", problem.c_str());
        std::printf("roster %s: %llu rows imported, %llu lines rejected\n", program.c_str(),
                    static_cast<unsigned long long>(summary->rows_imported),
                    static_cast<unsigned long long>(summary->lines_rejected));
        return summary->lines_rejected == 0 ? 0 : 3;
    } catch (const std::exception& error) {
        return fail(error.what());
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string command = argv[1];
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
    }
    if (command == "--version") {
        std::printf("%s\n", claimgate::protocols::versionLine("claimgate-gateway").c_str());
        return 0;
    }
    Arguments args;
    if (command == "serve") {
        if (!parseArguments(argc, argv, 2, args)) { std::fputs(kUsage, stderr); return 2; }
        return serve(args);
    }
    if (argc >= 3 && command == "program" && std::string(argv[2]) == "put") {
        if (!parseArguments(argc, argv, 3, args)) { std::fputs(kUsage, stderr); return 2; }
        return programPut(args);
    }
    if (argc >= 3 && command == "roster" && std::string(argv[2]) == "import") {
        if (!parseArguments(argc, argv, 3, args)) { std::fputs(kUsage, stderr); return 2; }
        return rosterImport(args);
    }
    std::fputs(kUsage, command == "--help" ? stdout : stderr);
    return command == "--help" ? 0 : 2;
}
