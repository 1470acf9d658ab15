// 1,000 ATM sessions through `claimgate-sim faultproxy` at 10% drops and 10% resets: at the end
// every hold at the gateway is resolved (paid or voided), nothing is pending in the journal,
// nobody is paid twice, and every paid claim matches one cash hand-over in the settlement file.
#include "sdk_test_world.hpp"

#include "gateway_process.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace claimgate::sdk::testing {
namespace {

constexpr std::uint32_t kSessions = 1000;

// The fault proxy as a child process; its port comes from its "listening on" line.
class FaultProxyProcess {
public:
    ~FaultProxyProcess() { stop(); }
    bool start(std::uint16_t target_port, const std::string& log, std::string& error) {
        const std::vector<std::string> args = {claimgate::testing::binDir() + "/claimgate-sim",
                                               "faultproxy",
                                               "--listen",
                                               "127.0.0.1:0",
                                               "--target",
                                               "127.0.0.1:" + std::to_string(target_port),
                                               "--drop-rate",
                                               "0.1",
                                               "--reset-rate",
                                               "0.1",
                                               "--delay-ms-max",
                                               "2",
                                               "--seed",
                                               "20230410"};
        pid_ = fork();
        if (pid_ == 0) {
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(fd, 1);
            dup2(fd, 2);
            std::vector<char*> argv;
            for (const auto& arg : args) {
                argv.push_back(const_cast<char*>(arg.c_str()));
            }
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            std::ifstream in(log);
            std::string line;
            while (std::getline(in, line)) {
                const auto at = line.find("listening on 127.0.0.1:");
                if (at != std::string::npos) {
                    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(at + 23)));
                    return true;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        error = "faultproxy did not print its port";
        return false;
    }
    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

TEST(SdkFaultProxyTest, ThousandSessionsUnderDropsAndResetsEndResolvedAndNeverPaidTwice) {
    SdkTestWorld world(kSessions);
    std::string error;
    ASSERT_TRUE(world.setUp(error)) << error;
    FaultProxyProcess proxy;
    ASSERT_TRUE(proxy.start(world.gatewayPort(), world.file("faultproxy.log"), error)) << error;

    const auto started = std::chrono::steady_clock::now();
    const auto result =
        claimgate::testing::runCommand({claimgate::testing::binDir() + "/claimgate-sim",
                                        "atm",
                                        "--gateway",
                                        "https://127.0.0.1:" + std::to_string(proxy.port()),
                                        "--pki-dir",
                                        world.pkiDir(),
                                        "--roster",
                                        world.rosterCsv(),
                                        "--program",
                                        SdkTestWorld::kProgram,
                                        "--sessions",
                                        std::to_string(kSessions),
                                        "--journal",
                                        world.file("atm.journal"),
                                        "--seed",
                                        "6000",
                                        "--dispense-failure-rate",
                                        "0.05",
                                        "--duplicate-submit",
                                        "--timeout-ms",
                                        "3000",
                                        "--flush-ms",
                                        "240000",
                                        "--settlement-out",
                                        world.file("settlement.csv")},
                                       world.file("atm.log"), std::chrono::seconds(800));
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
            .count();
    proxy.stop();
    world.stopGateway();

    // Last stdout line: the JSON summary.
    std::istringstream lines(result.output);
    std::string line;
    std::string summary_line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.front() == '{') {
            summary_line = line;
        }
    }
    ASSERT_FALSE(summary_line.empty()) << result.output.substr(0, 4000);
    const auto summary = nlohmann::json::parse(summary_line);
    std::fprintf(stderr, "faultproxy run: %lld s, %s\n", static_cast<long long>(seconds),
                 summary_line.c_str());
    EXPECT_EQ(summary["sessions"], kSessions);
    EXPECT_EQ(summary["pending"], 0) << "every advice and reversal delivered";
    EXPECT_EQ(summary["errors"], 0) << result.output.substr(0, 4000);
    EXPECT_GT(summary["paid"].get<int>(), static_cast<int>(kSessions / 2));

    const auto counts = world.claimStatusCounts();
    ASSERT_FALSE(counts.empty()) << "ledger unreadable";
    EXPECT_EQ(counts.count("held"), 0U)
        << "holds left: " << (counts.count("held") ? counts.at("held") : 0);
    EXPECT_EQ(counts.count("in_doubt"), 0U);
    EXPECT_EQ(world.citizensPaidMoreThanOnce(), 0);
    const std::int64_t paid = counts.count("paid") ? counts.at("paid") : 0;
    EXPECT_EQ(paid, summary["paid"].get<std::int64_t>());

    // Every paid claim is one cash hand-over of the settlement file, and vice versa.
    std::ifstream settlement(world.file("settlement.csv"));
    std::set<std::string> handed_over;
    std::getline(settlement, line);
    while (std::getline(settlement, line)) {
        std::vector<std::string> fields;
        std::istringstream row(line);
        std::string field;
        while (std::getline(row, field, ',')) {
            fields.push_back(field);
        }
        ASSERT_EQ(fields.size(), 6U) << line;
        EXPECT_TRUE(handed_over.insert(fields[3]).second) << "claim paid out twice: " << fields[3];
    }
    EXPECT_EQ(static_cast<std::int64_t>(handed_over.size()), paid);
}

}  // namespace
}  // namespace claimgate::sdk::testing
