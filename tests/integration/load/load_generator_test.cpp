// `claimgate-sim load` as a real process against a real gateway (child process, port 0): its
// last stdout line must be one JSON object with throughput, latency and a clean payout audit.
#include "gateway_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
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

/// A plain-HTTP peer on 127.0.0.1:0 that answers GET /v1/programs and then goes silent: every
/// other request is read and never answered, the connection kept open.
class SilentAfterProgramsServer {
public:
    SilentAfterProgramsServer() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API.
        auto* generic = reinterpret_cast<sockaddr*>(&address);
        if (::bind(listener_, generic, length) != 0 || ::listen(listener_, 64) != 0 ||
            ::getsockname(listener_, generic, &length) != 0) {
            return;
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~SilentAfterProgramsServer() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        for (const int fd : connections_) ::close(fd);
        if (listener_ >= 0) ::close(listener_);
    }
    SilentAfterProgramsServer(const SilentAfterProgramsServer&) = delete;
    SilentAfterProgramsServer& operator=(const SilentAfterProgramsServer&) = delete;

    [[nodiscard]] int port() const { return port_; }

private:
    void serve() {
        while (!stop_) {
            std::vector<pollfd> watched{{listener_, POLLIN, 0}};
            for (const int fd : connections_) watched.push_back({fd, POLLIN, 0});
            if (::poll(watched.data(), watched.size(), 100) <= 0) continue;
            if ((watched[0].revents & POLLIN) != 0) {
                const int fd = ::accept(listener_, nullptr, nullptr);
                if (fd >= 0) connections_.push_back(fd);
            }
            for (std::size_t i = 1; i < watched.size(); ++i) {
                if ((watched[i].revents & POLLIN) == 0) continue;
                char bytes[4096];
                const ssize_t n = ::read(watched[i].fd, bytes, sizeof bytes);
                if (n <= 0) continue;
                if (std::string_view(bytes, static_cast<std::size_t>(n))
                        .starts_with("GET /v1/programs ")) {
                    const std::string body = R"({"programs":[{"id":"LOADTEST","amount":6000}]})";
                    const std::string reply =
                        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n" + body;
                    (void)!::write(watched[i].fd, reply.data(), reply.size());
                }
            }
        }
    }

    int listener_ = -1;
    int port_ = 0;
    std::vector<int> connections_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

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
        // A clean exit: under the TSan stage a race found in the gateway, even during its
        // shutdown, ends it non-zero (halt_on_error).
        if (gateway_) {
            EXPECT_EQ(gateway_->terminate(), 0) << gateway_->allLogs();
        }
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
    const auto result = runLoad(
        {"--gateway", "https://127.0.0.1:" + std::to_string(gateway_->apiPort()), "--pki-dir",
         TestPki::shared().dir(), "--roster", dir_->file("roster-tls.csv"), "--terminals", "4",
         "--duration", "3", "--mix", "check:1,claim:1", "--seed", "7", "--io-threads", "2"},
        "load-tls.log");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto report = lastJsonLine(result.output);
    expectHealthyReport(report, result.output);
    EXPECT_TRUE(report.at("tls").get<bool>());
    // Four terminals on two I/O threads, each on one keep-alive connection the whole run.
    EXPECT_EQ(report.at("io_threads").get<int>(), 2);
    EXPECT_EQ(report.at("connections").get<int>(), 4);
    // Without --data-dir the generator reads back every claim it made.
    EXPECT_EQ(report.at("audit").at("method"), "http");
    EXPECT_EQ(report.at("audit").at("claims_checked").get<std::uint64_t>(),
              report.at("claims").get<std::uint64_t>());
    EXPECT_EQ(report.at("audit").at("not_paid").get<int>(), 0);
    EXPECT_NE(result.output.find("seed 7"), std::string::npos) << "seed printed on stderr";
}

TEST_F(LoadGeneratorTest, BenchListenerOpenLoopRunAuditsTheLedgerReadOnly) {
    const auto result =
        runLoad({"--gateway", "http://127.0.0.1:" + std::to_string(bench_port_), "--roster",
                 dir_->file("roster-bench.csv"), "--terminals", "4", "--duration", "3", "--mix",
                 "check:1,claim:1", "--rate", "300", "--seed", "7", "--data-dir",
                 dir_->file("data"), "--io-threads", "1"},
                "load-bench.log");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto report = lastJsonLine(result.output);
    expectHealthyReport(report, result.output);
    EXPECT_FALSE(report.at("tls").get<bool>());
    EXPECT_EQ(report.at("io_threads").get<int>(), 1);  // four terminals share one thread
    EXPECT_EQ(report.at("mode"), "open");
    // Open loop: about 300 requests/s were scheduled; the gateway keeps up easily at that rate.
    EXPECT_LT(report.at("requests_per_s").get<double>(), 400.0);
    EXPECT_EQ(report.at("audit").at("method"), "ledger");
    EXPECT_GE(report.at("audit").at("ledger_paid_claims").get<std::uint64_t>(),
              report.at("claims").get<std::uint64_t>());
}

TEST_F(LoadGeneratorTest, AGatewayThatStopsAnsweringCostsEachTerminalATimeoutNotAHang) {
    SilentAfterProgramsServer silent;
    ASSERT_GT(silent.port(), 0);
    const auto started = std::chrono::steady_clock::now();
    const auto result =
        runLoad({"--gateway", "http://127.0.0.1:" + std::to_string(silent.port()), "--roster",
                 dir_->file("roster-bench.csv"), "--terminals", "3", "--duration", "1", "--mix",
                 "check:1", "--seed", "7", "--io-threads", "1"},
                "load-silent.log");
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto report = lastJsonLine(result.output);
    ASSERT_TRUE(report.is_object()) << result.output;
    // Each terminal's first check waits out the 10 s request timeout (kLoadIoTimeoutSeconds),
    // is counted as `timeout`, and the run ends: it was due to end long before.
    EXPECT_EQ(report.at("requests").get<int>(), 3) << result.output;
    EXPECT_EQ(report.at("checks").get<int>(), 0);
    EXPECT_EQ(report.at("errors").at("timeout").get<int>(), 3) << result.output;
    EXPECT_EQ(report.at("error_count").get<int>(), 3);
    EXPECT_GE(took, std::chrono::seconds(10));
    EXPECT_LT(took, std::chrono::seconds(20));
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
