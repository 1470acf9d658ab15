// File: terminal_simulation.cpp
#include "terminal/terminal_simulation.hpp"

#include <claimgate/protocols/roster_csv_reader.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace claimgate::simulators {

namespace {

using claimgate::sdk::Outcome;
using claimgate::sdk::Status;

constexpr std::int64_t kSessionsMax = 10'000'000;
constexpr std::size_t kRosterRowsMax = 5'000'000;

void usage(std::FILE* out, const std::string& command, const char* default_terminal) {
    std::fprintf(
        out,
        "Scripted %s sessions through the terminal SDK, with fault switches.\n\n"
        "usage: claimgate-sim %s --gateway URL --pki-dir DIR --roster FILE.csv\n"
        "         [options]\n\n"
        "  --gateway URL              https://127.0.0.1:PORT of the gateway (required)\n"
        "  --pki-dir DIR              dev PKI: ca.pem, terminals/<id>.pem/.key (required)\n"
        "  --roster FILE.csv          citizens, roster CSV (required)\n"
        "  --program ID               program (default CASH2023)\n"
        "  --sessions N               sessions to run (default 10)\n"
        "  --journal PATH             SDK journal (default ./<terminal>.journal)\n"
        "  --terminal ID              certificate to use (default %s)\n"
        "%s"
        "  --seed S                   seed of every random choice (default: random;\n"
        "                             printed)\n"
        "  --dispense-failure-rate R  share of dispenses that fail, then void\n"
        "                             (default 0)\n"
        "  --crash-after-dispense     one session dies right after handing over cash,\n"
        "                             before the commit: the claim becomes in_doubt\n"
        "                             (default off)\n"
        "  --duplicate-submit         submit every commit twice (default off)\n"
        "  --settlement-out FILE      append operator,terminal_id,terminal_ref,claim_id,\n"
        "                             amount,paid_at for every cash hand-over\n"
        "                             (default: none)\n"
        "  --timeout-ms N             per HTTP exchange (default 5000)\n"
        "  --flush-ms N               wait for queued advices at the end (default 20000)\n"
        "The last stdout line is a JSON summary.\n",
        command.c_str(), command.c_str(), default_terminal,
        command == "kiosk" ? "  --pos-terminal ID          POS that pays slips (default pos-0001)\n"
                           : "");
}

std::string rfc3339Now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

}  // namespace

bool readRoster(const std::string& path, std::vector<RosterRow>& rows, std::string& error) {
    auto reader = protocols::RosterCsvReader::open(path);
    if (!reader) {
        error = reader.status().message();
        return false;
    }
    RosterRow row;
    for (;;) {
        auto more = reader.value().next(row);
        if (!more) {
            error = more.status().message();
            return false;
        }
        if (!*more) break;
        if (rows.size() >= kRosterRowsMax) {
            error = "roster " + path + " has more than " + std::to_string(kRosterRowsMax) + " rows";
            return false;
        }
        rows.push_back(row);
    }
    if (rows.empty()) {
        error = "roster " + path + " has no citizens";
        return false;
    }
    return true;
}

bool TerminalSimulation::parse(int argc, char** argv, SimulationOptions& options, int& exit_code,
                               const char* default_terminal, const char* default_pos_terminal) {
    options.command = argv[0];
    options.terminal = default_terminal;
    options.pos_terminal = default_pos_terminal;
    options.seed =
        static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "claimgate-sim %s: %s needs a value\n",
                             options.command.c_str(), name.c_str());
                return false;
            }
            out = argv[++i];
            return true;
        };
        std::string text;
        if (name == "--help" || name == "-h") {
            usage(stdout, options.command, default_terminal);
            exit_code = 0;
            return false;
        } else if (name == "--crash-after-dispense") {
            options.crash_after_dispense = true;
        } else if (name == "--duplicate-submit") {
            options.duplicate_submit = true;
        } else if (name == "--gateway") {
            if (!value(options.gateway_url)) break;
        } else if (name == "--pki-dir") {
            if (!value(options.pki_dir)) break;
        } else if (name == "--journal") {
            if (!value(options.journal)) break;
        } else if (name == "--roster") {
            if (!value(options.roster_file)) break;
        } else if (name == "--program") {
            if (!value(options.program)) break;
        } else if (name == "--terminal") {
            if (!value(options.terminal)) break;
        } else if (name == "--pos-terminal") {
            if (!value(options.pos_terminal)) break;
        } else if (name == "--settlement-out") {
            if (!value(options.settlement_out)) break;
        } else if (name == "--sessions") {
            if (!value(text)) break;
            options.sessions = std::atoll(text.c_str());
        } else if (name == "--seed") {
            if (!value(text)) break;
            options.seed = std::strtoull(text.c_str(), nullptr, 10);
        } else if (name == "--dispense-failure-rate") {
            if (!value(text)) break;
            options.dispense_failure_rate = std::atof(text.c_str());
        } else if (name == "--timeout-ms") {
            if (!value(text)) break;
            options.timeout_ms = static_cast<std::uint32_t>(std::atol(text.c_str()));
        } else if (name == "--flush-ms") {
            if (!value(text)) break;
            options.flush_ms = static_cast<std::uint32_t>(std::atol(text.c_str()));
        } else {
            std::fprintf(stderr, "claimgate-sim %s: unknown option %s\n", options.command.c_str(),
                         name.c_str());
            usage(stderr, options.command, default_terminal);
            exit_code = 2;
            return false;
        }
    }
    std::string problem;
    if (options.gateway_url.empty() || options.pki_dir.empty() || options.roster_file.empty()) {
        problem = "--gateway, --pki-dir and --roster are required";
    } else if (options.sessions < 0 || options.sessions > kSessionsMax) {
        problem = "--sessions must be 0.." + std::to_string(kSessionsMax);
    } else if (options.dispense_failure_rate < 0.0 || options.dispense_failure_rate > 1.0) {
        problem = "--dispense-failure-rate must be within 0..1";
    }
    if (!problem.empty()) {
        std::fprintf(stderr, "claimgate-sim %s: %s (see --help)\n", options.command.c_str(),
                     problem.c_str());
        exit_code = 2;
        return false;
    }
    if (options.journal.empty()) {
        options.journal = options.terminal + ".journal";
    }
    return true;
}

namespace {

// Each channel draws its own stream from the one --seed (FNV-1a of the command name mixed in),
// so `atm`, `kiosk` and `counter` run with the same seed serve different citizens first.
std::uint64_t channelSeed(std::uint64_t seed, const std::string& command) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (char c : command) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return seed ^ hash;
}

}  // namespace

TerminalSimulation::TerminalSimulation(SimulationOptions options)
    : options_(std::move(options)), random_(channelSeed(options_.seed, options_.command)) {
    run_id_ = static_cast<std::int64_t>(options_.seed % 1'000'000'000ULL);
}

bool TerminalSimulation::chance(double probability) {
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_) < probability;
}

claimgate::sdk::Client* TerminalSimulation::client(const std::string& terminal) {
    for (auto& [name, client] : clients_) {
        if (name == terminal) {
            return client.get();
        }
    }
    claimgate::sdk::ClientConfig config;
    config.gateway_url = options_.gateway_url;
    config.ca_file = options_.pki_dir + "/ca.pem";
    config.cert_file = options_.pki_dir + "/terminals/" + terminal + ".pem";
    config.key_file = options_.pki_dir + "/terminals/" + terminal + ".key";
    config.journal_path =
        terminal == options_.terminal ? options_.journal : options_.journal + "." + terminal;
    config.timeout_ms = options_.timeout_ms;
    std::unique_ptr<claimgate::sdk::Client> client;
    std::string error;
    if (claimgate::sdk::Client::open(config, client, error) != Status::ok) {
        std::fprintf(stderr, "claimgate-sim %s: cannot open terminal %s: %s\n",
                     options_.command.c_str(), terminal.c_str(), error.c_str());
        return nullptr;
    }
    clients_.emplace_back(terminal, std::move(client));
    return clients_.back().second.get();
}

std::string TerminalSimulation::nextTerminalRef(const std::string& terminal) {
    return terminal + "-" + std::to_string(run_id_) + "-" + std::to_string(++terminal_ref_counter_);
}

void TerminalSimulation::recordHandOver(const std::string& terminal,
                                        const std::string& terminal_ref,
                                        const std::string& claim_id, std::int64_t amount) {
    if (options_.settlement_out.empty()) {
        return;
    }
    auto* sdk_client = client(terminal);
    const std::string operator_id = sdk_client != nullptr ? sdk_client->operatorId() : "";
    const bool fresh = !std::filesystem::exists(options_.settlement_out) ||
                       std::filesystem::file_size(options_.settlement_out) == 0;
    std::ofstream out(options_.settlement_out, std::ios::app);
    if (fresh) {
        out << "operator,terminal_id,terminal_ref,claim_id,amount,paid_at\n";
    }
    out << operator_id << ',' << terminal << ',' << terminal_ref << ',' << claim_id << ',' << amount
        << ',' << rfc3339Now() << '\n';
    out.flush();
}

void TerminalSimulation::dispenseAndCommit(const std::string& terminal,
                                           const claimgate::sdk::Outcome& held,
                                           std::int64_t session_index,
                                           const std::string& void_reason) {
    if (!held.ok()) {
        countFailure(held, "reserve");
        return;
    }
    if (chance(options().dispense_failure_rate)) {
        voidClaim(terminal, held.claim_id, void_reason);
        return;
    }
    const std::string ref = nextTerminalRef(terminal);
    recordHandOver(terminal, ref, held.claim_id, held.amount);
    if (crashNow(session_index)) {
        crash();
    }
    commit(terminal, held.claim_id, held.amount, ref);
}

void TerminalSimulation::commit(const std::string& terminal, const std::string& claim_id,
                                std::int64_t amount, const std::string& terminal_ref) {
    auto* sdk_client = client(terminal);
    if (sdk_client == nullptr) {
        ++counts_.errors;
        return;
    }
    const Outcome outcome = sdk_client->commit(claim_id, amount, terminal_ref);
    switch (outcome.status) {
        case Status::ok:
            ++counts_.paid;
            break;
        case Status::queued:
            ++counts_.paid;
            ++counts_.queued;
            break;
        default:
            ++counts_.errors;
            std::fprintf(stderr, "commit %s: %s %s %s\n", claim_id.c_str(),
                         claimgate::sdk::statusName(outcome.status), outcome.code.c_str(),
                         outcome.message.c_str());
            return;
    }
    if (options_.duplicate_submit) {
        const Outcome again = sdk_client->commit(claim_id, amount, terminal_ref);
        if (again.status == outcome.status || again.status == Status::ok ||
            again.status == Status::queued) {
            ++counts_.duplicates;
        } else {
            ++counts_.errors;
        }
    }
}

void TerminalSimulation::voidClaim(const std::string& terminal, const std::string& claim_id,
                                   const std::string& reason) {
    auto* sdk_client = client(terminal);
    if (sdk_client == nullptr) {
        ++counts_.errors;
        return;
    }
    const Outcome outcome = sdk_client->voidClaim(claim_id, reason);
    if (outcome.status == Status::ok) {
        ++counts_.voided;
    } else if (outcome.status == Status::queued) {
        ++counts_.voided;
        ++counts_.queued;
    } else {
        ++counts_.errors;
        std::fprintf(stderr, "void %s: %s %s\n", claim_id.c_str(),
                     claimgate::sdk::statusName(outcome.status), outcome.code.c_str());
    }
}

void TerminalSimulation::countFailure(const Outcome& outcome, const char* step) {
    switch (outcome.status) {
        case Status::refused:
            ++counts_.refused;
            break;
        case Status::unavailable:
            ++counts_.unavailable;
            break;
        case Status::invalid_input:
            ++counts_.invalid;
            break;
        default:
            ++counts_.errors;
            std::fprintf(stderr, "%s: %s %s %s\n", step, claimgate::sdk::statusName(outcome.status),
                         outcome.code.c_str(), outcome.message.c_str());
            break;
    }
}

bool TerminalSimulation::crashNow(std::int64_t session_index) const noexcept {
    return options_.crash_after_dispense && session_index == crash_session_;
}

void TerminalSimulation::crash() {
    printSummary(true);
    std::fflush(nullptr);
    _exit(0);  // no destructors, no flush of the SDK: like a power cut after the dispense
}

int TerminalSimulation::runCommand(int argc, char** argv, const char* default_terminal,
                                   const char* default_pos_terminal, const SessionScript& script) {
    SimulationOptions options;
    int exit_code = 0;
    if (!parse(argc, argv, options, exit_code, default_terminal, default_pos_terminal)) {
        return exit_code;
    }
    TerminalSimulation simulation(options);
    return simulation.run(script);
}

int TerminalSimulation::run(const SessionScript& script) {
    std::fprintf(stderr, "claimgate-sim %s: seed %llu\n", options_.command.c_str(),
                 static_cast<unsigned long long>(options_.seed));
    std::vector<RosterRow> roster;
    std::string error;
    if (!readRoster(options_.roster_file, roster, error)) {
        std::fprintf(stderr, "claimgate-sim %s: %s\n", options_.command.c_str(), error.c_str());
        return 2;
    }
    if (client(options_.terminal) == nullptr) {
        return 1;
    }
    std::vector<std::size_t> order(roster.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::shuffle(order.begin(), order.end(), random_);
    if (options_.crash_after_dispense && options_.sessions > 0) {
        crash_session_ =
            std::uniform_int_distribution<std::int64_t>(0, options_.sessions - 1)(random_);
    }
    for (std::int64_t i = 0; i < options_.sessions; ++i) {
        ++counts_.sessions;
        script(*this, roster[order[static_cast<std::size_t>(i) % order.size()]], i);
    }
    std::int64_t pending = 0;
    for (auto& [name, sdk_client] : clients_) {
        (void)sdk_client->flush(std::chrono::milliseconds(options_.flush_ms));
        pending += sdk_client->pendingAdvices();
    }
    counts_.pending = pending;
    counts_.delivered = std::max<std::int64_t>(0, counts_.queued - pending);
    printSummary(false);
    return counts_.errors == 0 ? 0 : 1;
}

void TerminalSimulation::printSummary(bool crashed) {
    std::printf(
        "{\"command\":\"%s\",\"seed\":%llu,\"sessions\":%lld,\"paid\":%lld,\"voided\":%lld,"
        "\"refused\":%lld,\"unavailable\":%lld,\"invalid\":%lld,\"queued\":%lld,"
        "\"delivered\":%lld,\"pending\":%lld,\"duplicates\":%lld,\"errors\":%lld,"
        "\"crashed\":%s}\n",
        options_.command.c_str(), static_cast<unsigned long long>(options_.seed),
        static_cast<long long>(counts_.sessions), static_cast<long long>(counts_.paid),
        static_cast<long long>(counts_.voided), static_cast<long long>(counts_.refused),
        static_cast<long long>(counts_.unavailable), static_cast<long long>(counts_.invalid),
        static_cast<long long>(counts_.queued), static_cast<long long>(counts_.delivered),
        static_cast<long long>(counts_.pending), static_cast<long long>(counts_.duplicates),
        static_cast<long long>(counts_.errors), crashed ? "true" : "false");
    std::fflush(stdout);
}

}  // namespace claimgate::simulators
