// The real `claimgate-gateway` on each ledger backend (`--ledger sqlite` in its data dir, or
// `--ledger URI` on a fresh PostgreSQL database), set up through its own CLI: hold and commit
// over mTLS from several threads, kill -9 mid-traffic, restart. Every acknowledged commit is in
// the ledger (invariant 2), every acknowledged hold too, the restarted index was warmed from the
// ledger and refuses a second payment, the chain verifies (invariant 4, also through
// `claimgate-recon verify`), and no claim row carries a plaintext citizen ID (invariant 5).
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_seed.hpp"
#include "postgres_server.hpp"
#include "store_seed.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/ledger_factory.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace claimgate::testing {
namespace {

enum class Backend { sqlite, postgresql };

std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::sqlite ? "sqlite" : "postgresql";
}

nlohmann::json claimBody(const std::string& citizen, const std::string& channel) {
    return {
        {"program", kProgramMain}, {"citizen_id", citizen}, {"channel", channel}, {"amount", 6000}};
}

class GatewayKill9Test : public ::testing::TestWithParam<Backend> {};

TEST_P(GatewayKill9Test, AcknowledgedCommitsSurviveKill9) {
    TempDir temp("cg-kill9");
    const std::string ledger = GetParam() == Backend::sqlite
                                   ? std::string("sqlite")
                                   : PostgresServer::shared().freshDatabase();
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(200);
    const std::string cli = binDir() + "/claimgate-gateway";
    const std::string data_dir = temp.file("data");
    writeFileBytes(temp.file("program.json"),
                   programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}, {},
                               "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
    writeFileBytes(temp.file("roster.csv"), rosterCsv(plainEntries(citizens.bulk)));
    const auto put = runCommand({cli, "program", "put", "--data-dir", data_dir, "--ledger", ledger,
                                 temp.file("program.json")},
                                temp.file("put.log"));
    ASSERT_EQ(put.exit_code, 0) << put.output;
    const auto import =
        runCommand({cli, "roster", "import", "--data-dir", data_dir, "--program", kProgramMain,
                    "--ledger", ledger, "--pepper-file", pepper_file, temp.file("roster.csv")},
                   temp.file("import.log"));
    ASSERT_EQ(import.exit_code, 0) << import.output;
    const std::string logs = temp.file("logs");
    ASSERT_EQ(::mkdir(logs.c_str(), 0700), 0);
    GatewayProcess gateway(
        data_dir, TestPki::shared().dir(), logs,
        {"--ledger", ledger, "--pepper-file", pepper_file, "--sweep-interval-ms", "600000"});
    ASSERT_TRUE(gateway.start()) << gateway.error();

    constexpr std::size_t kThreads = 4;
    constexpr std::size_t kAcknowledgedBeforeKill = 60;
    std::mutex mutex;
    std::vector<std::string> paid_ids;
    std::vector<std::string> held_ids;
    std::string last_refusal;
    std::atomic<bool> killed{false};
    std::vector<std::thread> threads;
    const std::uint16_t port = gateway.apiPort();
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto client = GatewayTestClient::forTerminal(port, "atm-0001");
            for (std::size_t i = t; i < citizens.bulk.size() && !killed; i += kThreads) {
                const HttpReply held = client.post("/v1/claims", claimBody(citizens.bulk[i], "atm"),
                                                   "k9-h-" + std::to_string(i));
                if (held.status != 201) {
                    std::lock_guard lock(mutex);
                    last_refusal = held.describe();
                    continue;
                }
                const std::string id = held.json["claim_id"];
                {
                    std::lock_guard lock(mutex);
                    held_ids.push_back(id);
                }
                const HttpReply paid = client.post(
                    "/v1/claims/" + id + "/commit",
                    nlohmann::json{{"amount", 6000}, {"terminal_ref", "P" + std::to_string(i)}},
                    "k9-c-" + std::to_string(i));
                if (paid.status == 200) {
                    std::lock_guard lock(mutex);
                    paid_ids.push_back(id);
                }
            }
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool enough = false;
    while (!enough && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::lock_guard lock(mutex);
        enough = paid_ids.size() >= kAcknowledgedBeforeKill;
    }
    gateway.kill9();  // while the writers are mid-flight
    killed = true;
    for (auto& thread : threads) thread.join();
    ASSERT_TRUE(enough) << "too slow; last refusal: " << last_refusal << "\n" << gateway.allLogs();

    {
        // Straight from the ledger: every acknowledged commit is paid, every hold is there.
        auto opened = gateway::openLedgerStore(data_dir, ledger);
        ASSERT_TRUE(opened) << opened.status().message();
        gateway::LedgerStore& store = *opened.value();
        for (const auto& id : paid_ids) {
            const auto claim = store.findClaim(id);
            ASSERT_TRUE(claim) << id;
            EXPECT_EQ(claim->status, protocols::ClaimStatus::paid) << id;
        }
        for (const auto& id : held_ids) EXPECT_TRUE(store.findClaim(id)) << id;
    }
    ASSERT_TRUE(gateway.start()) << gateway.error();
    auto client = GatewayTestClient::forTerminal(gateway.apiPort(), "atm-0001");
    const HttpReply get = client.get("/v1/claims/" + paid_ids.front());
    EXPECT_EQ(get.json.value("status", ""), "paid") << get.describe();
    // The restarted gateway's index was warmed from the ledger...
    nlohmann::json check_body = claimBody(citizens.bulk[0], "atm");
    check_body.erase("amount");
    const HttpReply check = client.post("/v1/eligibility", check_body);
    EXPECT_EQ(check.json["eligible"], false) << check.describe();
    EXPECT_NE(check.json["claim"].value("status", "none"), "none") << check.describe();
    // ...and it still refuses a second payment.
    const HttpReply again =
        client.post("/v1/claims", claimBody(citizens.bulk[0], "atm"), std::string("after-restart"));
    EXPECT_EQ(again.code(), "already_claimed") << again.describe();
    EXPECT_EQ(gateway.terminate(), 0);

    auto opened = gateway::openLedgerStore(data_dir, ledger);
    ASSERT_TRUE(opened) << opened.status().message();
    gateway::LedgerStore& store = *opened.value();
    const auto chain = gateway::verifyChain(store);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_GE(chain.events, static_cast<std::int64_t>(held_ids.size() + paid_ids.size()));
    EXPECT_GE(store.countClaims(protocols::ClaimStatus::paid),
              static_cast<std::int64_t>(paid_ids.size()));
    // The operator's tool agrees.
    const auto verified = runCommand(
        {binDir() + "/claimgate-recon", "verify", "--data-dir", data_dir, "--ledger", ledger},
        temp.file("verify.log"));
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
    // Invariant 5: claim rows keep the masked ID only.
    for (const auto& id : paid_ids) {
        const auto claim = store.findClaim(id);
        ASSERT_TRUE(claim);
        EXPECT_EQ(std::count(citizens.bulk.begin(), citizens.bulk.end(), claim->citizen_mask), 0);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayKill9Test,
                         ::testing::Values(Backend::sqlite, Backend::postgresql), backendName);

}  // namespace
}  // namespace claimgate::testing
