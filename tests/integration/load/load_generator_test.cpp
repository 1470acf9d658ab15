// `claimgate-sim load` as a real process against a real gateway (child process, port 0): its
// last stdout line must be one JSON object with throughput, latency and a clean payout audit.
#include "gateway_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace claimgate::testing {
namespace {

constexpr int kRosterRows = 4000;
constexpr auto kCommandTimeout = std::chrono::seconds(60);

constexpr const char* kProgramJson = R"({"id": "LOADTEST", "name": "load test", "amount": 6000,
 "currency": "TWD", "channels": ["atm", "kiosk", "counter"],
 "opens_at": "2020-01-01T00:00:00+08:00", "closes_at": "2099-12-31T23:59:59+08:00",
 "hold_ttl_s": 600, "kiosk_hold_ttl_s": 1800, "excludes": []})";

/// The last line of `output` that is a JSON object (the generator's report).
nlohmann::json lastJsonLine(const std::string& output) {
    std::istringstream lines(output);
    std::string line, last;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.front() == '{') last = line;
    }
    return nlohmann::json::parse(last, nullptr, false);
}

/// Writes rows [first, last) of a roster CSV (plus its header) to `out_path`.
void writeRosterSlice(const std::string& in_path, const std::string& out_path, int first,
                      int last) {
    std::ifstream in(in_path);
    std::ofstream out(out_path);
    std::string line;
    int row = -1;
    while (std::getline(in, line)) {
        if (row < 0 || (row >= first && row < last)) out << line << '\n';
        ++row;
    }
}

class LoadGeneratorTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<TempDir>("cg-load-test");
        const std::string bin = binDir();
        const std::string roster = dir_->file("roster.csv");
        const std::string data = dir_->file("data");
        writeFileBytes(dir_->file("program.json"), kProgramJson);
        auto generated = runCommand({bin + "/claimgate-sim", "roster", "--count",
                                     std::to_string(kRosterRows), "--seed", "11", "--out", roster},
                                    dir_->file("roster.log"), kCommandTimeout);
        ASSERT_EQ(generated.exit_code, 0) << generated.output;
        auto put = runCommand({bin + "/claimgate-gateway", "program", "put", "--data-dir", data,
                               dir_->file("program.json")},
                              dir_->file("put.log"), kCommandTimeout);
        ASSERT_EQ(put.exit_code, 0) << put.output;
        auto imported = runCommand({bin + "/claimgate-gateway", "roster", "import", "--data-dir",
                                    data, "--program", "LOADTEST", roster},
                                   dir_->file("import.log"), kCommandTimeout);
        ASSERT_EQ(imported.exit_code, 0) << imported.output;
        // Each test claims its own citizens, so neither sees the other's claims.
        writeRosterSlice(roster, dir_->file("roster-tls.csv"), 0, kRosterRows / 2);
        writeRosterSlice(roster, dir_->file("roster-bench.csv"), kRosterRows / 2, kRosterRows);

        gateway_ = std::make_unique<GatewayProcess>(
            data, TestPki::shared().dir(), dir_->path(),
            std::vector<std::string>{"--bench-http-listen", "127.0.0.1:0", "--bench-terminal",
                                     "atm-0001/BANK004/atm"});
        ASSERT_TRUE(gateway_->start()) << gateway_->error();
        std::smatch match;
        const std::string logs = gateway_->allLogs();
        static const std::regex bench_line(R"(bench listening on 127\.0\.0\.1:(\d+))");
        ASSERT_TRUE(std::regex_search(logs, match, bench_line)) << logs;
        bench_port_ = std::stoi(match[1].str());
    }

    static void TearDownTestSuite() {
        if (gateway_) gateway_->terminate();
        gateway_.reset();
        dir_.reset();
    }

    static CommandResult runLoad(const std::vector<std::string>& extra, const std::string& log) {
        std::vector<std::string> argv = {binDir() + "/claimgate-sim", "load"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return runCommand(argv, dir_->file(log), kCommandTimeout);
    }

    static void expectHealthyReport(const nlohmann::json& report, const std::string& output) {
        ASSERT_TRUE(report.is_object()) << output;
        EXPECT_GT(report.at("requests_per_s").get<double>(), 0.0) << output;
        EXPECT_GT(report.at("claims_per_s").get<double>(), 0.0) << output;
        EXPECT_GT(report.at("checks_per_s").get<double>(), 0.0) << output;
        EXPECT_EQ(report.at("double_payouts").get<int>(), 0) << output;
        EXPECT_EQ(report.at("error_count").get<int>(), 0) << output;
        for (const char* percentile : {"p50", "p90", "p99", "p999", "max"}) {
            EXPECT_GT(report.at("latency_ms").at(percentile).get<double>(), 0.0) << percentile;
        }
        EXPECT_LE(report.at("latency_ms").at("p50").get<double>(),
                  report.at("latency_ms").at("max").get<double>());
        EXPECT_EQ(report.at("seed").get<std::uint64_t>(), 7u);
    }

    static std::unique_ptr<TempDir> dir_;
    static std::unique_ptr<GatewayProcess> gateway_;
    static int bench_port_;
};

std::unique_ptr<TempDir> LoadGeneratorTest::dir_;
std::unique_ptr<GatewayProcess> LoadGeneratorTest::gateway_;
int LoadGeneratorTest::bench_port_ = 0;

TEST_F(LoadGeneratorTest, MutualTlsRunReportsThroughputAndEveryClaimPaidOnce) {
    const auto result =
        runLoad({"--gateway", "https://127.0.0.1:" + std::to_string(gateway_->apiPort()),
                 "--pki-dir", TestPki::shared().dir(), "--roster", dir_->file("roster-tls.csv"),
                 "--terminals", "4", "--duration", "3", "--mix", "check:1,claim:1", "--seed", "7"},
                "load-tls.log");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto report = lastJsonLine(result.output);
    expectHealthyReport(report, result.output);
    EXPECT_TRUE(report.at("tls").get<bool>());
    // Without --data-dir the generator reads back every claim it made.
    EXPECT_EQ(report.at("audit").at("method"), "http");
    EXPECT_EQ(report.at("audit").at("claims_checked").get<std::uint64_t>(),
              report.at("claims").get<std::uint64_t>());
    EXPECT_EQ(report.at("audit").at("not_paid").get<int>(), 0);
    EXPECT_NE(result.output.find("seed 7"), std::string::npos) << "seed printed on stderr";
}

TEST_F(LoadGeneratorTest, BenchListenerOpenLoopRunAuditsTheLedgerReadOnly) {
    const auto result = runLoad(
        {"--gateway", "http://127.0.0.1:" + std::to_string(bench_port_), "--roster",
         dir_->file("roster-bench.csv"), "--terminals", "4", "--duration", "3", "--mix",
         "check:1,claim:1", "--rate", "300", "--seed", "7", "--data-dir", dir_->file("data")},
        "load-bench.log");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto report = lastJsonLine(result.output);
    expectHealthyReport(report, result.output);
    EXPECT_FALSE(report.at("tls").get<bool>());
    EXPECT_EQ(report.at("mode"), "open");
    // Open loop: about 300 requests/s were scheduled; the gateway keeps up easily at that rate.
    EXPECT_LT(report.at("requests_per_s").get<double>(), 400.0);
    EXPECT_EQ(report.at("audit").at("method"), "ledger");
    EXPECT_GE(report.at("audit").at("ledger_paid_claims").get<std::uint64_t>(),
              report.at("claims").get<std::uint64_t>());
}

TEST_F(LoadGeneratorTest, RefusesAGatewayThatIsNotOnThisMachine) {
    const auto result = runLoad({"--gateway", "http://192.0.2.10:8080", "--roster",
                                 dir_->file("roster-bench.csv"), "--duration", "1"},
                                "load-remote.log");
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find("not loopback"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace claimgate::testing
