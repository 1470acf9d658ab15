#include "load/load_terminal.hpp"

#include "fleet/open_loop_schedule.hpp"
#include "load/load_limits.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <optional>

namespace claimgate::simulators {
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

std::uint64_t microsSince(LoadClock::time_point started) {
    const auto elapsed = LoadClock::now() - started;
    return static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
}

void appendNumber(std::string& out, std::uint64_t value) {
    char text[24];
    const auto [end, error] = std::to_chars(text, text + sizeof text, value);
    (void)error;
    out.append(text, static_cast<std::size_t>(end - text));
}

void appendSigned(std::string& out, std::int64_t value) {
    char text[24];
    const auto [end, error] = std::to_chars(text, text + sizeof text, value);
    (void)error;
    out.append(text, static_cast<std::size_t>(end - text));
}

}  // namespace

LoadTerminal::LoadTerminal(int index, const LoadPlan& plan, boost::asio::io_context& io,
                           std::vector<const LoadCitizen*> citizens)
    : index_(index),
      plan_(plan),
      citizens_(std::move(citizens)),
      // splitmix64 seeding: terminals get independent, reproducible streams from one seed.
      rng_state_(plan.options->seed ^ (kGolden * (static_cast<std::uint64_t>(index) + 1))),
      connection_(io, *plan.endpoint),
      timer_(io) {
    body_.reserve(512);
    path_.reserve(128);
    key_.reserve(80);
}

std::uint64_t LoadTerminal::nextRandom() noexcept {
    std::uint64_t z = (rng_state_ += kGolden);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

bool LoadTerminal::takeBudget(std::uint64_t requests) noexcept {
    const auto before = plan_.requests_sent->fetch_add(requests, std::memory_order_relaxed);
    return before + requests <= plan_.options->requests_max;
}

boost::asio::awaitable<void> LoadTerminal::connectAhead() { (void)co_await connection_.open(); }

boost::asio::awaitable<void> LoadTerminal::sleepUntil(LoadClock::time_point when) {
    if (LoadClock::now() >= when) co_return;
    timer_.expires_at(when);
    boost::system::error_code ignored;  // nothing cancels this timer
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
}

boost::asio::awaitable<void> LoadTerminal::run() {
    const LoadOptions& options = *plan_.options;
    const std::uint64_t weights = std::uint64_t{options.check_weight} + options.claim_weight;
    // Open loop: this terminal's share of the rate (fleet/open_loop_schedule.hpp), in request
    // slots; a claim takes two.
    std::optional<OpenLoopSchedule> schedule;  // set: open loop
    if (options.rate) {
        const double slots_per_operation =
            static_cast<double>(options.check_weight + 2 * std::uint64_t{options.claim_weight}) /
            static_cast<double>(weights);
        schedule.emplace(plan_.start, *options.rate, index_, options.terminals,
                         slots_per_operation);
    }
    while (true) {
        if (connection_.connectFailures() >= kLoadConnectFailuresMax) {
            result_.gave_up = true;
            break;
        }
        const bool can_claim = next_claim_ < citizens_.size();
        Operation operation = Operation::check;
        if (options.claim_weight > 0 && nextRandom() % weights >= options.check_weight) {
            operation = Operation::claim;
        }
        if (operation == Operation::claim && !can_claim) {
            if (options.check_weight == 0) {
                result_.exhausted = true;
                break;
            }
            operation = Operation::check;
        }
        if (operation == Operation::check && citizens_.empty()) {
            result_.exhausted = true;
            break;
        }
        LoadClock::time_point started;
        if (schedule) {
            if (schedule->due() >= plan_.deadline) break;
            if (LoadClock::now() >= plan_.deadline) {
                // Behind schedule at the deadline: the sends still due are counted, not made,
                // so a slow gateway cannot stretch the run past --duration.
                result_.unsent_at_deadline += schedule->owedBefore(plan_.deadline);
                break;
            }
            started = schedule->due();
            co_await sleepUntil(started);
            schedule->advance(operation == Operation::claim ? 2 : 1);
        } else {
            if (LoadClock::now() < plan_.start) co_await sleepUntil(plan_.start);
            started = LoadClock::now();
            if (started >= plan_.deadline) break;
        }
        if (!takeBudget(operation == Operation::claim ? 2 : 1)) break;
        if (operation == Operation::claim) {
            co_await doClaim(started);
        } else {
            co_await doCheck(started);
        }
    }
    result_.connects = connection_.connects();
}

void LoadTerminal::appendClaimant(const LoadCitizen& citizen, std::int64_t amount,
                                  bool with_amount) {
    body_.clear();
    body_.append(R"({"program":")").append(plan_.program).append(R"(","citizen_id":")");
    body_.append(citizen.id()).append(R"(","channel":")").append(plan_.options->channel);
    body_.append("\"");
    if (with_amount) {
        body_.append(R"(,"amount":)");
        appendSigned(body_, amount);
    }
    if (!citizen.nhi().empty())
        body_.append(R"(,"nhi_card_no":")").append(citizen.nhi()).append("\"");
    body_.append("}");
}

boost::asio::awaitable<HttpReply> LoadTerminal::send(std::string_view method, std::string_view path,
                                                     std::string_view body, std::string_view key,
                                                     LoadClock::time_point started,
                                                     LatencyHistogram& by_op, int retries) {
    HttpReply reply;
    for (int attempt = 0; attempt <= retries; ++attempt) {
        if (attempt > 0) ++result_.retries;
        ++result_.requests;
        reply = co_await connection_.request(method, path, body, key);
        if (reply.status != 0) break;
        result_.errors.add(reply.failure);
        if (connection_.connectFailures() >= kLoadConnectFailuresMax) break;
    }
    const std::uint64_t micros = microsSince(started);
    result_.request_latency.record(micros);
    by_op.record(micros);
    if (reply.status >= 300) result_.errors.addReply(reply.status, reply.body);
    co_return reply;
}

boost::asio::awaitable<void> LoadTerminal::doCheck(LoadClock::time_point started) {
    const LoadCitizen& citizen = *citizens_[nextRandom() % citizens_.size()];
    appendClaimant(citizen, 0, false);
    const HttpReply reply =
        co_await send("POST", "/v1/eligibility", body_, {}, started, result_.check_latency, 0);
    if (reply.status == 200) ++result_.checks;
}

boost::asio::awaitable<void> LoadTerminal::doClaim(LoadClock::time_point started) {
    const LoadCitizen& citizen = *citizens_[next_claim_++];
    const std::int64_t amount = citizen.amount >= 0 ? citizen.amount : plan_.program_amount;
    const std::uint64_t sequence = sequence_++;
    auto makeKey = [&](char suffix) {
        key_.clear();
        key_.append(plan_.run_tag).append("-");
        appendNumber(key_, static_cast<std::uint64_t>(index_));
        key_.append("-");
        appendNumber(key_, sequence);
        key_.push_back(suffix);
    };
    makeKey('h');
    appendClaimant(citizen, amount, true);
    const HttpReply hold = co_await send("POST", "/v1/claims", body_, key_, started,
                                         result_.hold_latency, kLoadRequestRetriesMax);
    const std::string_view claim_id =
        hold.status == 201 ? jsonStringField(hold.body, "claim_id") : std::string_view{};
    if (claim_id.empty() || claim_id.size() > ClaimMade::kClaimIdBytesMax) {
        if (hold.status == 201) result_.errors.add("hold_reply_without_claim_id");
        ++result_.claims_failed;
        co_return;
    }
    ClaimMade made;
    made.citizen = &citizen;
    claim_id.copy(made.claim_id.data(), claim_id.size());

    path_.clear();
    path_.append("/v1/claims/").append(made.claim_id.data()).append("/commit");
    body_.clear();
    body_.append(R"({"amount":)");
    appendSigned(body_, amount);
    body_.append(R"(,"terminal_ref":")").append(plan_.run_tag).append("-");
    appendNumber(body_, static_cast<std::uint64_t>(index_));
    body_.append("-");
    appendNumber(body_, sequence);
    body_.append("\"}");
    makeKey('c');
    const auto commit_started = LoadClock::now();
    const HttpReply commit = co_await send("POST", path_, body_, key_, commit_started,
                                           result_.commit_latency, kLoadRequestRetriesMax);
    if (commit.status != 200) {
        ++result_.claims_failed;
        co_return;
    }
    result_.claim_latency.record(microsSince(started));
    ++result_.claims;
    result_.claims_made.push_back(made);
}

boost::asio::awaitable<void> LoadTerminal::auditByHttp(std::size_t limit) {
    for (const ClaimMade& made : result_.claims_made) {
        if (result_.audited >= limit) break;
        path_.clear();
        path_.append("/v1/claims/").append(made.claim_id.data());
        HttpReply reply;
        for (int attempt = 0; attempt <= kLoadRequestRetriesMax; ++attempt) {
            reply = co_await connection_.request("GET", path_, {}, {});
            if (reply.status != 0) break;
        }
        ++result_.audited;
        if (reply.status != 200 || jsonStringField(reply.body, "status") != "paid") {
            ++result_.audit_not_paid;
        }
    }
}

}  // namespace claimgate::simulators
