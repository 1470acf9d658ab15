// The real `claimgate-gateway` on PostgreSQL (--ledger URI --pepper-file F), set up through its
// own CLI: hold and commit over mTLS, kill -9 mid-traffic, restart: every acknowledged commit
// is in the database, the index was warmed from it, and the chain verifies.
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_seed.hpp"
#include "postgres_server.hpp"
#include "store_seed.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/postgres_ledger_store.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace claimgate::testing {
namespace {

nlohmann::json claimBody(const std::string& citizen, const std::string& channel) {
    return {{"program", kProgramMain}, {"citizen_id", citizen}, {"channel", channel},
            {"amount", 6000}};
}

TEST(GatewayOnPostgres, AcknowledgedCommitsSurviveKill9) {
    TempDir temp("cg-gwpg");
    const std::string uri = PostgresServer::shared().freshDatabase();
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(200);
    const std::string cli = binDir() + "/claimgate-gateway";
    const std::string data_dir = temp.file("data");
    writeFileBytes(temp.file("program.json"),
                   programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}, {},
                               "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
    writeFileBytes(temp.file("roster.csv"), rosterCsv(plainEntries(citizens.bulk)));
    const auto put = runCommand({cli, "program", "put", "--data-dir", data_dir, "--ledger", uri,
                                 temp.file("program.json")},
                                temp.file("put.log"));
    ASSERT_EQ(put.exit_code, 0) << put.output;
    const auto import = runCommand({cli, "roster", "import", "--data-dir", data_dir, "--program",
                                    kProgramMain, "--ledger", uri, "--pepper-file", pepper_file,
                                    temp.file("roster.csv")},
                                   temp.file("import.log"));
    ASSERT_EQ(import.exit_code, 0) << import.output;
    const std::string logs = temp.file("logs");
    ASSERT_EQ(::mkdir(logs.c_str(), 0700), 0);
    GatewayProcess gateway(data_dir, TestPki::shared().dir(), logs,
                           {"--ledger", uri, "--pepper-file", pepper_file, "--sweep-interval-ms",
                            "600000"});
    ASSERT_TRUE(gateway.start()) << gateway.error();

    constexpr std::size_t kThreads = 4;
    constexpr std::size_t kAcknowledgedBeforeKill = 60;
    std::mutex mutex;
    std::vector<std::string> paid_ids;
    std::string last_refusal;
    std::atomic<bool> killed{false};
    std::vector<std::thread> threads;
    const std::uint16_t port = gateway.apiPort();
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto client = GatewayTestClient::forTerminal(port, "atm-0001");
            for (std::size_t i = t; i < citizens.bulk.size() && !killed; i += kThreads) {
                const HttpReply held = client.post("/v1/claims", claimBody(citizens.bulk[i], "atm"),
                                                   "pg-h-" + std::to_string(i));
                if (held.status != 201) {
                    std::lock_guard lock(mutex);
                    last_refusal = held.describe();
                    continue;
                }
                const std::string id = held.json["claim_id"];
                const HttpReply paid = client.post(
                    "/v1/claims/" + id + "/commit",
                    nlohmann::json{{"amount", 6000}, {"terminal_ref", "P" + std::to_string(i)}},
                    "pg-c-" + std::to_string(i));
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
    gateway.kill9();
    killed = true;
    for (auto& thread : threads) thread.join();
    ASSERT_TRUE(enough) << "too slow; last refusal: " << last_refusal << "\n" << gateway.allLogs();

    // Straight from the database: every acknowledged commit is paid.
    for (const auto& id : paid_ids) {
        const auto rows = pgQuery(uri, "SELECT status FROM claims WHERE claim_id = '" + id + "'");
        ASSERT_EQ(rows.size(), 1U) << id;
        EXPECT_EQ(rows[0][0], "paid") << id;
    }
    ASSERT_TRUE(gateway.start()) << gateway.error();
    auto client = GatewayTestClient::forTerminal(gateway.apiPort(), "atm-0001");
    const HttpReply get = client.get("/v1/claims/" + paid_ids.front());
    EXPECT_EQ(get.json.value("status", ""), "paid") << get.describe();
    const HttpReply again = client.post("/v1/claims", claimBody(citizens.bulk[0], "atm"),
                                        std::string("after-restart"));
    EXPECT_EQ(again.code(), "already_claimed") << again.describe();
    EXPECT_EQ(gateway.terminate(), 0);

    gateway::PostgresLedgerStore store(uri);
    const auto chain = gateway::verifyChain(store);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_GE(store.countClaims(protocols::ClaimStatus::paid),
              static_cast<std::int64_t>(paid_ids.size()));
    // Invariant 5 holds on PostgreSQL too: the roster holds HMACs only.
    const auto plaintext = pgQuery(uri, "SELECT count(*) FROM claims WHERE citizen_mask = '" +
                                            citizens.bulk[0] + "'");
    EXPECT_EQ(plaintext[0][0], "0");
}

}  // namespace
}  // namespace claimgate::testing
