// Pieces of `claimgate-sim fleet`: the open-loop schedule that paces the active set and the
// probes (even spread, no drift, owed sends counted at the deadline) and the command line.
#include "fleet/fleet_options.hpp"
#include "fleet/open_loop_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace claimgate::simulators {
namespace {

using Clock = OpenLoopSchedule::Clock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

/// Every send `connections` connections sharing `rate` make in the first second (each send
/// taking `slots` request slots), sorted by due time.
std::vector<Clock::time_point> sendsInTheFirstSecond(double rate, int connections, int slots) {
    const Clock::time_point start{};
    std::vector<Clock::time_point> sends;
    for (int i = 0; i < connections; ++i) {
        OpenLoopSchedule schedule(start, rate, i, connections, static_cast<double>(slots));
        while (schedule.due() < start + std::chrono::seconds(1)) {
            sends.push_back(schedule.due());
            schedule.advance(static_cast<std::uint64_t>(slots));
        }
    }
    std::sort(sends.begin(), sends.end());
    return sends;
}

/// Consecutive sends are `gap` apart, within a microsecond either way.
void expectEvenGaps(const std::vector<Clock::time_point>& sends, nanoseconds gap) {
    for (std::size_t k = 1; k < sends.size(); ++k) {
        const auto between = sends[k] - sends[k - 1];
        EXPECT_GE(between, gap - nanoseconds(1'000)) << k;
        EXPECT_LE(between, gap + nanoseconds(1'000)) << k;
    }
}

TEST(OpenLoopScheduleTest, ConnectionsTogetherSendAtTheRateEvenlySpread) {
    // 256 connections sharing 5,000 checks/s: 5,000 sends in the first second, 200 µs apart.
    const auto sends = sendsInTheFirstSecond(5000.0, 256, 1);
    EXPECT_EQ(sends.size(), 5000u);
    expectEvenGaps(sends, nanoseconds(200'000));
}

TEST(OpenLoopScheduleTest, ClaimsOfTwoSlotsAreSpreadOverTheWholePeriod) {
    // claimgate-sim load, claim-only mix: 256 terminals share 4,000 requests/s, a claim takes two
    // request slots, so 2,000 claims start per second, one every 500 µs. Staggered over one
    // slot only, every terminal's claims started in the first half of each 128 ms period (gaps
    // of 250 µs, then 64 ms of none): twice the asked rate, then nothing.
    const auto claims = sendsInTheFirstSecond(4000.0, 256, 2);
    EXPECT_EQ(claims.size(), 2000u);
    expectEvenGaps(claims, nanoseconds(500'000));
}

TEST(OpenLoopScheduleTest, DueTimesDoNotDriftOverALongRun) {
    // 3 requests/s cannot be summed exactly in nanoseconds; the millionth is still on time.
    const Clock::time_point start{};
    OpenLoopSchedule schedule(start, 3.0, 0, 1);
    for (int k = 0; k < 1'000'000; ++k) schedule.advance();
    const auto expected = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1'000'000.0 / 3.0));
    EXPECT_LE(std::chrono::abs(schedule.due() - (start + expected)), nanoseconds(1'000));
}

TEST(OpenLoopScheduleTest, OwedBeforeCountsOnlySendsDueBeforeTheDeadline) {
    const Clock::time_point start{};
    OpenLoopSchedule schedule(start, 100.0, 0, 1);  // due at 0, 10, 20, ... ms
    EXPECT_EQ(schedule.owedBefore(start + milliseconds(95)), 10u);
    EXPECT_EQ(schedule.owedBefore(start + milliseconds(100)), 10u);
    for (int k = 0; k < 4; ++k) schedule.advance();
    EXPECT_EQ(schedule.owedBefore(start + milliseconds(95)), 6u);
    EXPECT_EQ(schedule.owedBefore(start + milliseconds(40)), 0u);
    EXPECT_EQ(schedule.sent(), 4u);
    // A staggered connection (second of two) starts half an interval late.
    OpenLoopSchedule second(start, 100.0, 1, 2);  // due at 10, 30, 50, ... ms
    EXPECT_EQ(second.due(), start + milliseconds(10));
    EXPECT_EQ(second.owedBefore(start + milliseconds(50)), 2u);
}

ParsedFleetOptions parse(std::vector<std::string> args) {
    args.insert(args.begin(), "fleet");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    auto parsed = parseFleetOptions(static_cast<int>(argv.size()), argv.data());
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.status().message());
    return parsed.ok() ? parsed.value() : ParsedFleetOptions{};
}

std::string refusal(std::vector<std::string> args) {
    args.insert(args.begin(), "fleet");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    auto parsed = parseFleetOptions(static_cast<int>(argv.size()), argv.data());
    return parsed.ok() ? std::string("accepted") : parsed.status().message();
}

const std::vector<std::string> kBase = {
    "--gateway", "https://127.0.0.1:8443", "--pki-dir", "p", "--roster", "r.csv", "--program", "P"};

std::vector<std::string> with(std::vector<std::string> extra) {
    std::vector<std::string> args = kBase;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

TEST(FleetOptionsTest, ParsesAFleetRunAndAnAbuseRun) {
    const auto fleet = parse(with({"--idle", "10000", "--active", "256", "--rate", "5000",
                                   "--gateway-pid", "123", "--seed", "7"}));
    EXPECT_EQ(fleet.options.idle, 10000);
    EXPECT_EQ(fleet.options.active, 256);
    EXPECT_DOUBLE_EQ(fleet.options.rate, 5000.0);
    EXPECT_EQ(fleet.options.gateway_pid, 123);
    EXPECT_FALSE(fleet.options.abuseMode());
    const auto abuse = parse(with({"--silent", "1000", "--dribble=1000", "--probe-rate", "50"}));
    EXPECT_TRUE(abuse.options.abuseMode());
    EXPECT_EQ(abuse.options.dribble, 1000);
}

TEST(FleetOptionsTest, RefusesRunsThatCannotMeasureWhatTheyClaim) {
    EXPECT_NE(refusal(with({"--active", "8"})).find("--rate"), std::string::npos);
    EXPECT_NE(refusal(with({})).find("nothing to do"), std::string::npos);
    EXPECT_NE(refusal(with({"--idle", "20001"})).find("--idle"), std::string::npos);
    EXPECT_NE(refusal(with({"--idle", "5", "--silent", "5"})).find("separate"), std::string::npos);
    EXPECT_NE(refusal({"--gateway", "http://127.0.0.1:80", "--idle", "1"}).find("https"),
              std::string::npos);
    EXPECT_NE(refusal({"--gateway", "https://10.0.0.1:443", "--idle", "1"}).find("loopback"),
              std::string::npos);
}

}  // namespace
}  // namespace claimgate::simulators
