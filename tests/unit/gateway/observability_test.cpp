// The logger, the database-health transitions and the metrics rendering, in-process
// (contracts §11, Metrics and Logs). The live-gateway checks (promtool, dashboard, PostgreSQL
// loss) are in tests/integration/observability.
#include <claimgate/gateway/access_log.hpp>
#include <claimgate/gateway/metrics.hpp>
#include <claimgate/ledger/database_health.hpp>
#include <claimgate/ledger/group_committer.hpp>
#include <claimgate/protocols/log.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace claimgate::gateway {
namespace {

/// Captures every log line for the test's lifetime.
class CapturedLog {
public:
    CapturedLog() {
        previous_ = log::setSink([this](std::string_view line) { lines_.emplace_back(line); });
    }
    ~CapturedLog() { log::setSink(std::move(previous_)); }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;

    [[nodiscard]] const std::vector<std::string>& lines() const { return lines_; }
    [[nodiscard]] nlohmann::json json(std::size_t i) const {
        return nlohmann::json::parse(lines_[i]);
    }

private:
    log::Sink previous_;
    std::vector<std::string> lines_;
};

TEST(Logger, WritesOneJsonObjectPerLineWithFixedMembersFirst) {
    const std::string line = log::formatLine(1681088523456, log::Level::warn, "ledger", "slow",
                                             {{"ms", 12}, {"what", "commit"}});
    EXPECT_EQ(line, R"({"ts":"2023-04-10T01:02:03.456Z","level":"warn","component":"ledger",)"
                    R"("msg":"slow","ms":12,"what":"commit"})");
}

TEST(Logger, MultiLineTextStaysOnOneLine) {
    const std::string line = log::formatLine(0, log::Level::error, "ledger", "failed",
                                             {{"error", "FATAL:  terminating\nDETAIL: x\n"}});
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(line)["error"], "FATAL:  terminating\nDETAIL: x\n");
    EXPECT_EQ(log::firstLine("\n  server closed the connection unexpectedly\n\tThis probably"),
              "server closed the connection unexpectedly");
    EXPECT_EQ(log::firstLine(std::string(300, 'x'), 10), "xxxxxxxxxx...");
    EXPECT_EQ(log::firstLine("   \n  "), "");
}

TEST(Logger, MasksAnythingShapedLikeACitizenId) {
    EXPECT_EQ(log::maskCitizenIds("citizen A123456789 at atm-0001"),
              "citizen A12*****89 at atm-0001");
    EXPECT_EQ(log::maskCitizenIds("a123456789,AB12345678;A800000014"),
              "a12*****89,AB1*****78;A80*****14");
    // Not IDs: claim ids, terminal refs, longer digit runs, a letter followed by 8 digits.
    EXPECT_EQ(log::maskCitizenIds("c_k3v7q2mxa5nb6t4rwy2zdhe7 STAN1234567890 A12345678"),
              "c_k3v7q2mxa5nb6t4rwy2zdhe7 STAN1234567890 A12345678");
    const nlohmann::json fields = {{"who", "A123456789"}, {"nested", {{"id", "B223456780"}}}};
    const std::string line = log::formatLine(0, log::Level::info, "http", "for A123456789", fields);
    EXPECT_EQ(line.find("A123456789"), std::string::npos) << line;
    EXPECT_EQ(line.find("B223456780"), std::string::npos) << line;
}

TEST(Logger, DropsLinesBelowTheMinimumLevel) {
    CapturedLog captured;
    log::debug("test", "hidden");
    log::info("test", "shown");
    log::setMinimumLevel(log::Level::error);
    log::warn("test", "hidden too");
    log::setMinimumLevel(log::Level::info);
    ASSERT_EQ(captured.lines().size(), 1U);
    EXPECT_EQ(captured.json(0)["msg"], "shown");
}

TEST(AccessLog, WritesNothingUntilTurnedOn) {
    CapturedLog captured;
    const log::AccessRecord record{"api",      "POST",    "/v1/claims",     "claim_hold", 201,
                                   "atm-0001", "BANK004", "127.0.0.1:5000", 812};
    log::logAccess(record);
    EXPECT_TRUE(captured.lines().empty());
    log::setAccessLogEnabled(true);
    log::logAccess(record);
    log::setAccessLogEnabled(false);
    ASSERT_EQ(captured.lines().size(), 1U);
    const auto line = captured.json(0);
    EXPECT_EQ(line["component"], "access");
    EXPECT_EQ(line["route"], "claim_hold");
    EXPECT_EQ(line["status"], 201);
    EXPECT_EQ(line["terminal"], "atm-0001");
    EXPECT_EQ(line["operator"], "BANK004");
    EXPECT_EQ(line["us"], 812);
}

TEST(DatabaseHealth, LogsOneLineOnLossAndOneOnRecoveryHoweverManyFailures) {
    CapturedLog captured;
    DatabaseHealth health;
    EXPECT_TRUE(health.up());
    health.reportSuccess();
    EXPECT_TRUE(captured.lines().empty());
    for (int i = 0; i < 50; ++i) {
        health.reportFailure("could not connect to server\nIs it running?");
    }
    EXPECT_FALSE(health.up());
    health.reportSuccess();
    health.reportSuccess();
    EXPECT_TRUE(health.up());
    EXPECT_EQ(health.reconnects(), 1U);
    EXPECT_EQ(health.failures(), 50U);
    ASSERT_EQ(captured.lines().size(), 2U);
    const auto lost = captured.json(0);
    EXPECT_EQ(lost["level"], "error");
    EXPECT_EQ(lost["component"], "ledger");
    EXPECT_EQ(lost["error"], "could not connect to server");
    const auto back = captured.json(1);
    EXPECT_EQ(back["level"], "info");
    EXPECT_EQ(back["failed_operations"], 50);
}

/// Every sample belongs to a family declared with # HELP and # TYPE before it, and a family
/// is declared once (what `promtool check metrics` requires; the live check runs promtool).
void expectWellFormed(const std::string& text) {
    std::map<std::string, std::string> types;
    std::set<std::string> helps;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# HELP ", 0) == 0) {
            const auto name = line.substr(7, line.find(' ', 7) - 7);
            EXPECT_TRUE(helps.insert(name).second) << "HELP twice: " << name;
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            const auto name = line.substr(7, line.find(' ', 7) - 7);
            EXPECT_TRUE(helps.count(name)) << "TYPE before HELP: " << name;
            EXPECT_TRUE(types.emplace(name, line.substr(line.rfind(' ') + 1)).second)
                << "TYPE twice: " << name;
            continue;
        }
        std::string name = line.substr(0, line.find_first_of("{ "));
        if (!types.count(name)) {
            for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                const std::string s(suffix);
                const bool ends_with = name.size() > s.size() &&
                                       name.compare(name.size() - s.size(), s.size(), s) == 0;
                if (ends_with) {
                    const auto base = name.substr(0, name.size() - s.size());
                    if (types.count(base) && types[base] == "histogram") name = base;
                }
            }
        }
        EXPECT_TRUE(types.count(name)) << "sample without # TYPE: " << line;
        if (types[name] == "counter") {
            EXPECT_EQ(name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0, true)
                << "counter not ending in _total: " << name;
        }
    }
}

TEST(Metrics, EverySeriesHasHelpAndTypeAndTheClusterFiguresAddUp) {
    Metrics metrics;
    metrics.recordRequest(Route::eligibility, 200, 180);
    metrics.recordRequest(Route::claim_hold, 201, 2500);
    metrics.recordEligibility(protocols::ErrorCode::ok);
    metrics.recordEligibility(protocols::ErrorCode::already_claimed);
    metrics.recordEligibility(protocols::ErrorCode::already_claimed);
    GroupCommitStats stats;
    DatabaseHealth health;
    const std::vector<ClaimTotal> totals = {
        {"CASH2023", protocols::Channel::atm, protocols::ClaimStatus::paid, 3, 18000},
        {"CASH2023", protocols::Channel::atm, protocols::ClaimStatus::in_doubt, 1, 6000},
        {"CASH2023", protocols::Channel::kiosk, protocols::ClaimStatus::held, 2, 12000}};
    const std::string text = metrics.renderPrometheus([&](std::string& out) {
        appendBuildInfo(out, "postgresql");
        appendLedgerMetrics(out, stats, 0, health);
        appendClaimTotals(out, totals);
    });
    expectWellFormed(text);
    auto has = [&text](const std::string& sample) {
        return text.find("\n" + sample + "\n") != std::string::npos;
    };
    EXPECT_TRUE(has(R"(claimgate_eligibility_outcomes_total{outcome="eligible"} 1)")) << text;
    EXPECT_TRUE(has(R"(claimgate_eligibility_outcomes_total{outcome="already_claimed"} 2)"));
    EXPECT_TRUE(has(R"(claimgate_claims{program="CASH2023",channel="atm",status="paid"} 3)"));
    EXPECT_TRUE(has(R"(claimgate_claims{program="CASH2023",channel="atm",status="held"} 0)"));
    EXPECT_TRUE(has(R"(claimgate_claims{program="CASH2023",channel="kiosk",status="held"} 2)"));
    EXPECT_TRUE(has(R"(claimgate_paid_amount_twd{program="CASH2023",channel="atm"} 18000)"));
    EXPECT_TRUE(has(R"(claimgate_paid_amount_twd{program="CASH2023",channel="kiosk"} 0)"));
    EXPECT_TRUE(has("claimgate_ledger_database_up 1"));
    // This test binary is linked with glibc's malloc (only the gateway executable gets jemalloc).
    EXPECT_NE(text.find("backend=\"postgresql\",allocator=\"glibc\"} 1\n"), std::string::npos)
        << text;
    EXPECT_TRUE(has(R"(claimgate_ledger_commit_duration_seconds_bucket{le="+Inf"} 0)"));
}

TEST(Metrics, BeforeTheFirstDatabaseReadTheFamiliesAreDeclaredWithoutSamples) {
    std::string out;
    appendClaimTotals(out, std::nullopt);
    expectWellFormed(out);
    EXPECT_NE(out.find("# TYPE claimgate_claims gauge"), std::string::npos);
    EXPECT_EQ(out.find("claimgate_claims{"), std::string::npos);
}

}  // namespace
}  // namespace claimgate::gateway
