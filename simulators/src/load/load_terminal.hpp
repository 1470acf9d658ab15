// File: load_terminal.hpp
// One simulated terminal of `claimgate-sim load`: a coroutine on one shard's thread with its own
// connection, its own slice of the roster, its own RNG and its own counters, so terminals share
// nothing while the clock runs (the only shared object is the global request budget, one relaxed
// atomic).
#pragma once

#include "load/error_tally.hpp"
#include "load/latency_histogram.hpp"
#include "load/load_connection.hpp"
#include "load/load_options.hpp"
#include "load/load_roster.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace claimgate::simulators {

/// What every terminal of one run shares (read-only during the run, except the budget).
struct LoadPlan {
    const LoadOptions* options = nullptr;
    std::string program;
    std::int64_t program_amount = 0;
    /// Makes Idempotency-Keys unique per run, so a rerun on the same data dir never replays.
    std::string run_tag;
    LoadClock::time_point start;
    LoadClock::time_point deadline;
    std::atomic<std::uint64_t>* requests_sent = nullptr;
    const LoadEndpoint* endpoint = nullptr;
};

struct ClaimMade {
    static constexpr std::size_t kClaimIdBytesMax = 64;  // the gateway's path limit
    std::array<char, kClaimIdBytesMax + 1> claim_id{};
    const LoadCitizen* citizen = nullptr;
};

struct TerminalResult {
    std::uint64_t requests = 0;
    std::uint64_t checks = 0;
    std::uint64_t claims = 0;         // hold and commit both acknowledged
    std::uint64_t claims_failed = 0;  // hold or commit refused or lost
    std::uint64_t retries = 0;
    std::uint64_t unsent_at_deadline = 0;  // open loop: scheduled sends still due at the end
    LatencyHistogram request_latency;      // every request (open loop: from its scheduled time)
    LatencyHistogram check_latency;
    LatencyHistogram hold_latency;
    LatencyHistogram commit_latency;
    LatencyHistogram claim_latency;  // hold + commit
    ErrorTally errors;
    std::vector<ClaimMade> claims_made;
    std::uint64_t connects = 0;
    bool exhausted = false;  // ran out of unclaimed citizens with nothing else to do
    bool gave_up = false;    // could not reach the gateway kLoadConnectFailuresMax times
    std::uint64_t audited = 0;
    std::uint64_t audit_not_paid = 0;
};

class LoadTerminal {
public:
    /// Lives on `io`'s thread: every coroutine below runs there and nowhere else.
    LoadTerminal(int index, const LoadPlan& plan, boost::asio::io_context& io,
                 std::vector<const LoadCitizen*> citizens);

    /// Opens the terminal's connection before the clock starts: a terminal in the field is
    /// already connected when a citizen walks up, so no measured request should include the
    /// handshake (with 256 terminals the opening burst of handshakes alone was 2 % of the
    /// holds, and became the p99). A failure here is retried by the first request.
    boost::asio::awaitable<void> connectAhead();
    /// Sends load from the plan's start until its deadline or request budget. Call once.
    boost::asio::awaitable<void> run();
    /// After run(): GET /v1/claims/{id} for each claim it made (at most `limit`), counting
    /// the ones the gateway does not report as paid.
    boost::asio::awaitable<void> auditByHttp(std::size_t limit);

    [[nodiscard]] const TerminalResult& result() const noexcept { return result_; }
    [[nodiscard]] LoadConnection& connection() noexcept { return connection_; }
    /// A coroutine of this terminal ended with an exception (counted, never rethrown).
    void noteAbandoned(const char* code) { result_.errors.add(code); }

private:
    enum class Operation { check, claim };

    [[nodiscard]] std::uint64_t nextRandom() noexcept;
    [[nodiscard]] bool takeBudget(std::uint64_t requests) noexcept;
    boost::asio::awaitable<void> sleepUntil(LoadClock::time_point when);
    boost::asio::awaitable<void> doCheck(LoadClock::time_point started);
    boost::asio::awaitable<void> doClaim(LoadClock::time_point started);
    /// Sends with retries on transport failure (same key); counts errors; records latency.
    boost::asio::awaitable<HttpReply> send(std::string_view method, std::string_view path,
                                           std::string_view body, std::string_view key,
                                           LoadClock::time_point started, LatencyHistogram& by_op,
                                           int retries);
    void appendClaimant(const LoadCitizen& citizen, std::int64_t amount, bool with_amount);

    int index_;
    const LoadPlan& plan_;
    std::vector<const LoadCitizen*> citizens_;
    std::size_t next_claim_ = 0;
    std::uint64_t sequence_ = 0;
    std::uint64_t rng_state_;
    LoadConnection connection_;
    boost::asio::steady_timer timer_;  // open loop: waits for the next send's due time
    std::string body_;
    std::string path_;
    std::string key_;
    TerminalResult result_;
};

}  // namespace claimgate::simulators
