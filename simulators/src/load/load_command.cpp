// `claimgate-sim load`: a fleet of terminals against one gateway; prints throughput, latency
// percentiles, errors and a double-payout audit as one JSON line (contracts §9).
#include "command_registry.hpp"
#include "load/latency_histogram.hpp"
#include "load/latency_report.hpp"
#include "load/ledger_payout_audit.hpp"
#include "load/load_connection.hpp"
#include "load/load_limits.hpp"
#include "load/load_options.hpp"
#include "load/load_roster.hpp"
#include "load/load_shard.hpp"
#include "load/load_terminal.hpp"
#include "load/terminal_tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <unordered_set>

namespace claimgate::simulators {
namespace {

using protocols::ErrorCode;
using protocols::Status;

/// Threads need a moment to start; the clock starts for all of them at once after it.
constexpr auto kStartDelay = std::chrono::milliseconds(50);

int fail(const std::string& message) {
    std::fprintf(stderr, "claimgate-sim load: %s\n", message.c_str());
    return 1;
}

struct ProgramChoice {
    std::string id;
    std::int64_t amount = 0;
};

/// GET /v1/programs: the program to use and its amount (for roster rows without their own).
protocols::Result<ProgramChoice> discoverProgram(const LoadOptions& options,
                                                 const LoadEndpoint& endpoint) {
    boost::asio::io_context io(1);
    LoadConnection connection(io, endpoint);
    HttpReply reply;
    // No watchdog runs here: the context runs no longer than the request timeout, and a reply
    // still missing then is a timeout.
    reply.failure = "timeout";
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            reply = co_await connection.request("GET", "/v1/programs", {});
        },
        [](const std::exception_ptr&) {});
    io.run_for(std::chrono::seconds(kLoadIoTimeoutSeconds));
    if (reply.status == 0) {
        return Status(ErrorCode::internal,
                      std::string("cannot reach the gateway: ") + reply.failure);
    }
    if (reply.status != 200) {
        return Status(ErrorCode::internal, "GET /v1/programs: HTTP " +
                                               std::to_string(reply.status) + " " +
                                               std::string(reply.body));
    }
    const auto body = nlohmann::json::parse(reply.body, nullptr, false);
    if (body.is_discarded() || !body.contains("programs") || !body["programs"].is_array()) {
        return Status(ErrorCode::internal, "GET /v1/programs: unexpected reply");
    }
    for (const auto& program : body["programs"]) {
        if (!program.contains("id") || !program["id"].is_string() || !program.contains("amount") ||
            !program["amount"].is_number_integer()) {
            continue;
        }
        const auto id = program["id"].get<std::string>();
        if (options.program && *options.program != id) continue;
        return ProgramChoice{id, program["amount"].get<std::int64_t>()};
    }
    return Status(ErrorCode::unknown_program,
                  options.program ? "program " + *options.program + " is not open to this terminal"
                                  : std::string("no program is open to this terminal"));
}

std::string runTag(std::uint64_t seed) {
    const auto now =
        static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    char text[24];
    std::snprintf(
        text, sizeof text, "L%010llx",
        static_cast<unsigned long long>((now ^ (seed * 0x9E3779B97F4A7C15ULL)) & 0xFFFFFFFFFFULL));
    return text;
}

int runLoadCommand(int argc, char** argv) {
    auto parsed = parseLoadOptions(argc, argv);
    if (!parsed) {
        std::fprintf(stderr, "claimgate-sim load: %s\n", parsed.status().message().c_str());
        printLoadUsage(stderr);
        return 2;
    }
    if (parsed->help) {
        printLoadUsage(stdout);
        return 0;
    }
    const LoadOptions& options = parsed->options;
    std::fprintf(stderr, "claimgate-sim load: seed %llu\n",
                 static_cast<unsigned long long>(options.seed));

    auto roster = LoadRoster::readFile(options.roster_path);
    if (!roster) return fail(roster.status().message());
    if (roster->size() == 0) return fail("the roster has no rows a terminal may claim in person");

    auto address = loadEndpointAddress(options.gateway);
    if (!address) return fail(address.status().message());
    boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
    LoadEndpoint endpoint;
    endpoint.address = address.value();
    endpoint.host = options.gateway.host;
    endpoint.host_header = hostHeader(options.gateway);
    if (options.gateway.tls) {
        if (auto status = configureTerminalTls(options.pki_dir, options.terminal_cert, tls);
            !status.ok()) {
            return fail(status.message());
        }
        endpoint.tls = &tls;
    }
    auto program = discoverProgram(options, endpoint);
    if (!program) return fail(program.status().message());

    std::atomic<std::uint64_t> requests_sent{0};
    LoadPlan plan;
    plan.options = &options;
    plan.program = program->id;
    plan.program_amount = program->amount;
    plan.run_tag = runTag(options.seed);
    plan.requests_sent = &requests_sent;
    plan.endpoint = &endpoint;
    const int shard_count = std::min(options.io_threads, options.terminals);
    std::vector<std::unique_ptr<LoadShard>> shards;
    for (int i = 0; i < shard_count; ++i) shards.push_back(std::make_unique<LoadShard>());
    std::vector<const LoadTerminal*> terminals;
    terminals.reserve(static_cast<std::size_t>(options.terminals));
    for (int i = 0; i < options.terminals; ++i) {
        LoadShard& shard = *shards[static_cast<std::size_t>(i % shard_count)];
        auto terminal = std::make_unique<LoadTerminal>(i, plan, shard.io(),
                                                       roster->slice(i, options.terminals));
        terminals.push_back(terminal.get());
        shard.add(std::move(terminal));
    }
    auto runPhase = [&shards](LoadShard::Phase phase, std::size_t audit_limit = 0) {
        for (auto& shard : shards) shard->start(phase, audit_limit);
        LoadClock::time_point last{};
        for (auto& shard : shards) last = std::max(last, shard->join());
        return last;
    };
    // Every terminal connects first, all at once; the clock starts after the last.
    runPhase(LoadShard::Phase::connect);
    plan.start = LoadClock::now() + kStartDelay;
    plan.deadline = plan.start + std::chrono::duration_cast<LoadClock::duration>(
                                     std::chrono::duration<double>(options.duration_s));
    std::fprintf(
        stderr,
        "claimgate-sim load: %d terminals, %.1f s, program %s, %zu citizens (%zu proxy-only "
        "rows skipped), %s loop, %d I/O threads\n",
        options.terminals, options.duration_s, plan.program.c_str(), roster->size(),
        roster->skippedRows(), options.rate ? "open" : "closed", shard_count);
    const LoadClock::time_point ended = runPhase(LoadShard::Phase::load);
    const double elapsed_s = std::chrono::duration<double>(ended - plan.start).count();

    nlohmann::json audit;
    std::uint64_t double_payouts = 0;
    std::uint64_t claims_total = 0;
    for (const auto& terminal : terminals) claims_total += terminal->result().claims;
    if (options.data_dir) {
        auto counts = countLedgerPayouts(*options.data_dir);
        if (!counts) return fail(counts.status().message());
        double_payouts = counts->double_paid_citizens;
        audit = {{"method", "ledger"}, {"ledger_paid_claims", counts->paid_claims}};
    } else if (claims_total > 0) {
        runPhase(LoadShard::Phase::audit, kLoadAuditClaimsMax / terminals.size());
        std::uint64_t checked = 0, not_paid = 0;
        std::unordered_set<const LoadCitizen*> paid_citizens;
        for (const auto& terminal : terminals) {
            checked += terminal->result().audited;
            not_paid += terminal->result().audit_not_paid;
            for (const auto& made : terminal->result().claims_made) {
                if (!paid_citizens.insert(made.citizen).second) ++double_payouts;
            }
        }
        audit = {{"method", "http"}, {"claims_checked", checked}, {"not_paid", not_paid}};
    } else {
        audit = {{"method", "none"}};
    }

    LatencyHistogram requests, checks, holds, commits, claims;
    std::map<std::string, std::uint64_t> errors;
    std::uint64_t request_count = 0, check_count = 0, claims_failed = 0, retries = 0, connects = 0,
                  unsent = 0;
    int exhausted = 0, gave_up = 0;
    for (const auto& terminal : terminals) {
        const TerminalResult& result = terminal->result();
        requests.merge(result.request_latency);
        checks.merge(result.check_latency);
        holds.merge(result.hold_latency);
        commits.merge(result.commit_latency);
        claims.merge(result.claim_latency);
        result.errors.mergeInto(errors);
        request_count += result.requests;
        check_count += result.checks;
        claims_failed += result.claims_failed;
        retries += result.retries;
        unsent += result.unsent_at_deadline;
        connects += result.connects;
        exhausted += result.exhausted ? 1 : 0;
        gave_up += result.gave_up ? 1 : 0;
    }
    std::uint64_t error_count = 0;
    for (const auto& [code, count] : errors) error_count += count;

    const nlohmann::json report = {
        {"gateway", std::string(options.gateway.tls ? "https://" : "http://") +
                        options.gateway.host + ":" + std::to_string(options.gateway.port)},
        {"tls", options.gateway.tls},
        {"program", plan.program},
        {"mode", options.rate ? "open" : "closed"},
        {"rate", options.rate ? nlohmann::json(*options.rate) : nlohmann::json(nullptr)},
        {"terminals", options.terminals},
        {"duration_s", std::round(elapsed_s * 1000.0) / 1000.0},
        {"requests", request_count},
        {"checks", check_count},
        {"claims", claims_total},
        {"claims_failed", claims_failed},
        {"requests_per_s", perSecond(request_count, elapsed_s)},
        {"claims_per_s", perSecond(claims_total, elapsed_s)},
        {"checks_per_s", perSecond(check_count, elapsed_s)},
        {"latency_ms", latencyJson(requests)},
        {"latency_ms_by_op",
         {{"check", latencyJson(checks)},
          {"hold", latencyJson(holds)},
          {"commit", latencyJson(commits)},
          {"claim", latencyJson(claims)}}},
        {"errors", errors},
        {"error_count", error_count},
        {"retries", retries},
        {"open_loop_unsent", unsent},
        {"connections", connects},
        {"terminals_exhausted", exhausted},
        {"terminals_gave_up", gave_up},
        {"double_payouts", double_payouts},
        {"audit", audit},
        {"io_threads", shard_count},
        {"seed", options.seed}};
    std::printf("%s\n", report.dump().c_str());
    std::fflush(stdout);
    if (double_payouts > 0) {
        std::fprintf(stderr, "claimgate-sim load: %llu DOUBLE PAYOUTS\n",
                     static_cast<unsigned long long>(double_payouts));
        return 3;
    }
    return gave_up == options.terminals ? 1 : 0;
}

}  // namespace

CG_SIM_COMMAND(load, "a fleet of terminals against a gateway; throughput and latency as JSON",
               runLoadCommand);

}  // namespace claimgate::simulators
