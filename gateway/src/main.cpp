// claimgate-gateway: serve | program put | roster import (contracts §11).
#include <claimgate/gateway/access_log.hpp>
#include <claimgate/gateway/gateway_runtime.hpp>
#include <claimgate/gateway/roster_importer.hpp>
#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/ledger/heap_retention.hpp>
#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/protocols/log.hpp>

#include <claimgate/protocols/build_info.hpp>

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/program.hpp>
#include <claimgate/protocols/terminal_role.hpp>

#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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
    "                                  [--pepper-file FILE] [--ledger URI] [--replace]\n"
    "                                  [--threads N]\n"
    "  claimgate-gateway --version | --help\n"
    "\n"
    "serve: answers terminals until SIGINT or SIGTERM; SIGHUP (or a change of ca.pem /\n"
    "crl.pem) reloads the CA bundle and the CRL\n"
    "  --data-dir DIR             ledger.db and pepper live here (required)\n"
    "  --pki-dir DIR              ca.pem, crl.pem, gateway.pem/.key, receipt.key (required)\n"
    "  --listen HOST:PORT         terminal API, mutual TLS (default 127.0.0.1:8443; port 0 =\n"
    "                             any free port, printed on stdout)\n"
    "  --admin-listen HOST:PORT   /healthz /readyz /metrics, admin resolve, plain HTTP\n"
    "                             (default 127.0.0.1:9090)\n"
    "  --admin-token-file FILE    Bearer tokens allowed to call admin resolve (default: none\n"
    "                             asked)\n"
    "  --ledger sqlite|URI        sqlite (default, DATA_DIR/ledger.db) or postgresql://...\n"
    "                             shared by several nodes\n"
    "  --pepper-file FILE         32-byte HMAC key shared by every node (default: DATA_DIR/\n"
    "                             pepper, made on first use)\n"
    "  --commit-batch-max N       operations per ledger transaction (default 512, 1..8192)\n"
    "  --ledger-nice N            nice value of the ledger writer and render threads, so the\n"
    "                             serial stage runs before the I/O threads (default -10,\n"
    "                             -20..0; needs CAP_SYS_NICE or LimitNICE=, else logged and\n"
    "                             left at 0)\n"
    "  --io-threads N             I/O threads of the API (default one per core, 1..256)\n"
    "  --max-connections N        open connections per node (default 20000)\n"
    "  --max-connections-per-peer N  open connections per client address (default 10000)\n"
    "  --head-deadline-ms N       handshake and request head deadline (default 5000)\n"
    "  --idle-timeout-ms N        idle keep-alive connections close after this (default 75000)\n"
    "  --sweep-interval-ms N      how often expired holds turn in_doubt (default 1000; 0 = off)\n"
    "  --roster-poll-ms N         how often a newer roster version is looked for (default 1000)\n"
    "  --index-snapshot on|off    start from a verified index snapshot (default on)\n"
    "  --ledger-stats-interval-ms N  how often /metrics re-reads the cluster-wide claim\n"
    "                             figures and probes the database (default 10000)\n"
    "  --access-log               one JSON line per API request on stderr (default off)\n"
    "  --bench-http-listen HOST:PORT  plain HTTP for benchmarks, loopback only (default off)\n"
    "  --bench-terminal ID/OPERATOR/ROLE  identity of every bench request (no default)\n"
    "\n"
    "program put: stores a program file (contracts section 11) in the ledger\n"
    "roster import: loads a roster CSV for --program (exit 3 when lines were rejected)\n"
    "  --replace                  the roster becomes the file: rows not in it are removed\n"
    "                             (default off: the file adds and updates rows)\n"
    "  --threads N                parsing and keying threads (default one per core, 1..256)\n"
    "  --ledger URI, --pepper-file FILE  as for serve, with the same defaults\n"
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
            // The options without a value.
            if (arg == "--replace" || arg == "--access-log") {
                out.options[arg.substr(2)] = "1";
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

std::string option(const Arguments& args, const std::string& name,
                   const std::string& fallback = "") {
    const auto found = args.options.find(name);
    return found == args.options.end() ? fallback : found->second;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "claimgate-gateway: %s\n", message.c_str());
    return 1;
}

/// Every terminal holds a connection: lift the soft descriptor limit to the hard one.
void raiseFileLimit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        cglog::warn("gateway", "cannot raise RLIMIT_NOFILE to its hard limit");
    }
}

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
        std::string id, operator_id, role_name;
        std::getline(terminal, id, '/');
        std::getline(terminal, operator_id, '/');
        std::getline(terminal, role_name, '/');
        const auto role = claimgate::protocols::parseTerminalRole(role_name);
        if (id.empty() || operator_id.empty() || !role) {
            return fail("--bench-terminal must be ID/OPERATOR/atm|kiosk|pos|counter");
        }
        config.bench_terminal = claimgate::gateway::TerminalIdentity{
            id, operator_id, claimgate::protocols::channelOfRole(*role), *role};
    }
    if (args.options.count("pepper-file")) config.pepper_file = option(args, "pepper-file");
    if (args.options.count("admin-token-file")) {
        config.admin_token_file = option(args, "admin-token-file");
    }
    try {
        if (args.options.count("commit-batch-max")) {
            const auto value = std::stoul(option(args, "commit-batch-max"));
            if (value < 1 || value > claimgate::gateway::kCommitBatchMaxLimit) {
                return fail("--commit-batch-max must be 1.." +
                            std::to_string(claimgate::gateway::kCommitBatchMaxLimit));
            }
            config.commit_batch_max = value;
        }
        if (args.options.count("ledger-nice")) {
            const int value = std::stoi(option(args, "ledger-nice"));
            if (value < claimgate::gateway::kLedgerThreadNiceMin ||
                value > claimgate::gateway::kLedgerThreadNiceMax) {
                return fail("--ledger-nice must be " +
                            std::to_string(claimgate::gateway::kLedgerThreadNiceMin) + ".." +
                            std::to_string(claimgate::gateway::kLedgerThreadNiceMax));
            }
            config.ledger_nice = value;
        }
        if (args.options.count("io-threads")) {
            config.io_threads = std::stoi(option(args, "io-threads"));
            if (config.io_threads < 1 || config.io_threads > claimgate::gateway::kIoThreadsMax) {
                return fail("--io-threads must be 1.." +
                            std::to_string(claimgate::gateway::kIoThreadsMax));
            }
        }
        if (args.options.count("max-connections")) {
            config.max_connections = std::stoul(option(args, "max-connections"));
        }
        if (args.options.count("max-connections-per-peer")) {
            config.max_connections_per_peer = std::stoul(option(args, "max-connections-per-peer"));
        }
        if (args.options.count("head-deadline-ms")) {
            config.head_deadline_ms = std::stoll(option(args, "head-deadline-ms"));
        }
        if (args.options.count("idle-timeout-ms")) {
            config.idle_timeout_ms = std::stoll(option(args, "idle-timeout-ms"));
        }
        if (args.options.count("roster-poll-ms")) {
            config.roster_poll_interval =
                std::chrono::milliseconds(std::stoll(option(args, "roster-poll-ms")));
        }
        if (args.options.count("index-snapshot")) {
            config.index_snapshot = option(args, "index-snapshot") != "off";
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
    // Signals are taken synchronously by this thread (sigwait), never by a handler: blocked
    // here before any thread starts, so every thread inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    raiseFileLimit();
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
        std::printf(
            "bench listening on %s:%u\n",
            config.bench_http_listen->substr(0, config.bench_http_listen->rfind(':')).c_str(),
            runtime.benchPort());
    }
    std::fflush(stdout);
    for (;;) {
        int received = 0;
        if (sigwait(&signals, &received) != 0) continue;
        if (received != SIGHUP) break;
        // SIGHUP never stops the gateway: it reloads the certificates (old ones stay on error).
        (void)runtime.reloadCertificates();  // the trust store logs what it did
    }
    cglog::info("gateway", "stopping");
    runtime.stop();
    return 0;
}

int programPut(const Arguments& args) {
    const std::string data_dir = option(args, "data-dir");
    if (data_dir.empty() || args.positional.size() != 1)
        return fail("program put --data-dir DIR FILE.json");
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
    claimgate::gateway::RosterImportOptions import_options;
    import_options.replace = args.options.count("replace") != 0;
    try {
        if (args.options.count("threads")) {
            import_options.threads = static_cast<unsigned>(std::stoul(option(args, "threads")));
            if (import_options.threads < 1 || import_options.threads > 256) {
                return fail("--threads must be 1..256");
            }
        }
    } catch (const std::exception&) {
        return fail("--threads must be a number");
    }
    const auto started = std::chrono::steady_clock::now();
    auto printed = started;
    auto seconds = [](auto from, auto to) {
        return std::chrono::duration<double>(to - from).count();
    };
    try {
        claimgate::gateway::RosterImporter importer(*store.value(), pepper.value());
        auto summary = importer.importFile(
            program, args.positional[0], import_options,
            claimgate::gateway::SystemClock().nowMillis(),
            [&](std::uint64_t rows, std::uint64_t done, std::uint64_t total) {
                const auto now = std::chrono::steady_clock::now();
                if (!tty || seconds(printed, now) < 0.2) return;
                printed = now;
                const double elapsed = seconds(started, now);
                const double fraction =
                    total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
                const double left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
                std::fprintf(stderr, "\r  %llu rows  %3.0f%%  %.0f rows/s  %.0f s left   ",
                             static_cast<unsigned long long>(rows), 100.0 * fraction,
                             static_cast<double>(rows) / std::max(elapsed, 1e-3), left);
            });
        if (tty) std::fprintf(stderr, "\n");
        if (!summary) return fail(summary.status().message());
        for (const auto& problem : summary->problems) {
            std::fprintf(stderr, "  %s\n", problem.c_str());
        }
        const double elapsed = seconds(started, std::chrono::steady_clock::now());
        std::printf(
            "roster %s: %llu rows imported, %llu lines rejected, %llu removed, "
            "version %lld, %.1f s (%.0f rows/s)\n",
            program.c_str(), static_cast<unsigned long long>(summary->rows_imported),
            static_cast<unsigned long long>(summary->lines_rejected),
            static_cast<unsigned long long>(summary->rows_removed),
            static_cast<long long>(summary->version), elapsed,
            static_cast<double>(summary->rows_imported) / std::max(elapsed, 1e-3));
        return summary->lines_rejected == 0 ? 0 : 3;
    } catch (const std::exception& error) {
        return fail(error.what());
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Everything this process creates (ledger, pepper, journals, reports) is for its owner
    // only, whatever the umask of the shell that started it (no citizen data for other users).
    ::umask(077);
    (void)claimgate::gateway::retainFreedHeapMemory();  // the ledger writer's speed, see there
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
        if (!parseArguments(argc, argv, 2, args)) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        return serve(args);
    }
    if (argc >= 3 && command == "program" && std::string(argv[2]) == "put") {
        if (!parseArguments(argc, argv, 3, args)) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        return programPut(args);
    }
    if (argc >= 3 && command == "roster" && std::string(argv[2]) == "import") {
        if (!parseArguments(argc, argv, 3, args)) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        return rosterImport(args);
    }
    std::fputs(kUsage, command == "--help" ? stdout : stderr);
    return command == "--help" ? 0 : 2;
}
