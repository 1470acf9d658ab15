// claimgate-gateway: serve | program put | roster import (contracts §11).
#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/gateway/gateway_runtime.hpp>
#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/gateway/roster_importer.hpp>

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/program.hpp>
#include <claimgate/protocols/terminal_role.hpp>

#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using claimgate::gateway::DataDir;
using claimgate::gateway::GatewayConfig;
using claimgate::gateway::GatewayRuntime;

constexpr const char* kUsage =
    "usage:\n"
    "  claimgate-gateway serve --data-dir DIR --pki-dir DIR [--listen 127.0.0.1:8443]\n"
    "                          [--admin-listen 127.0.0.1:9090] [--ledger sqlite|postgresql://...]\n"
    "                          [--bench-http-listen 127.0.0.1:PORT --bench-terminal ID/OPERATOR/CHANNEL]\n"
    "                          [--commit-batch-max N] [--pepper-file FILE] [--io-threads N]\n"
    "                          [--sweep-interval-ms N] [--max-connections N]\n"
    "                          [--max-connections-per-peer N] [--head-deadline-ms N]\n"
    "                          [--idle-timeout-ms N] [--admin-token-file FILE]\n"
    "                          [--roster-poll-ms N (1000)] [--index-snapshot on|off (on)]\n"
    "      SIGHUP (or a change of ca.pem / crl.pem) reloads the CA bundle and the CRL.\n"
    "  claimgate-gateway program put --data-dir DIR FILE.json [--ledger sqlite|postgresql://...]\n"
    "  claimgate-gateway roster import --data-dir DIR --program ID FILE.csv [--pepper-file FILE]\n"
    "                                  [--ledger sqlite|postgresql://...] [--replace]\n"
    "                                  [--threads N]   (--replace: the roster becomes the file)\n";

struct Arguments {
    std::map<std::string, std::string> options;
    std::vector<std::string> positional;
};

bool parseArguments(int argc, char** argv, int first, Arguments& out) {
    for (int i = first; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) == 0) {
            if (arg == "--help") return false;
            if (arg == "--replace") {  // the one option without a value
                out.options["replace"] = "1";
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

/// Every terminal holds a connection: lift the soft descriptor limit to the hard one.
void raiseFileLimit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        std::fprintf(stderr, "claimgate-gateway: cannot raise RLIMIT_NOFILE\n");
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
    } catch (const std::exception&) {
        return fail("numeric option expected");
    }

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
    if (auto status = runtime.start(); !status.ok()) return fail(status.message());
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
    for (;;) {
        int received = 0;
        if (sigwait(&signals, &received) != 0) continue;
        if (received != SIGHUP) break;
        // SIGHUP never stops the gateway: it reloads the certificates (old ones stay on error).
        (void)runtime.reloadCertificates();
    }
    std::fprintf(stderr, "claimgate-gateway: stopping\n");
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
        std::printf("roster %s: %llu rows imported, %llu lines rejected, %llu removed, "
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
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string command = argv[1];
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
