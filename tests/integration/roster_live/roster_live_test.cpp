// Live roster changes on two gateway nodes sharing one PostgreSQL ledger (contracts §6, §11), as
// real child processes and the real `claimgate-gateway roster import` CLI:
//  - a citizen imported while both nodes run is eligible on both within 5 s, and a corrected
//    NHI card number takes effect the same way; /metrics shows the applied roster version;
//  - `roster import --replace` removes an absent citizen from new claims while their paid claim
//    stays paid; a `status=excluded` row refuses with the reason the file gave;
//  - a node started with an old index snapshot catches up with the versions after it.
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_seed.hpp"
#include "postgres_server.hpp"
#include "store_seed.hpp"
#include "temp_dir.hpp"
#include "test_citizens.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <thread>

namespace claimgate::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPropagationMax = std::chrono::seconds(5);

std::string csvHeader(bool with_status) {
    return with_status ? "citizen_id,nhi_card_no,amount,proxies,claim_by,status,reason\n"
                       : "citizen_id,nhi_card_no,amount,proxies,claim_by\n";
}

class RosterLive : public ::testing::Test {
protected:
    void SetUp() override {
        uri_ = PostgresServer::shared().freshDatabase();
        pepper_file_ = temp_.file("pepper");
        writePepperFile(pepper_file_);
        writeFileBytes(temp_.file("program.json"),
                       programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}, {},
                                   "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
        const auto put = runCommand({cli(), "program", "put", "--data-dir", temp_.file("seed"),
                                     "--ledger", uri_, temp_.file("program.json")},
                                    temp_.file("put.log"));
        ASSERT_EQ(put.exit_code, 0) << put.output;
    }

    static std::string cli() { return binDir() + "/claimgate-gateway"; }

    /// Imports `csv` through the CLI (extra arguments such as --replace appended).
    void import(const std::string& csv, std::vector<std::string> extra = {}) {
        const std::string path = temp_.file("roster-" + std::to_string(++imports_) + ".csv");
        writeFileBytes(path, csv);
        std::vector<std::string> argv = {
            cli(),        "roster",   "import", "--data-dir",    temp_.file("seed"), "--program",
            kProgramMain, "--ledger", uri_,     "--pepper-file", pepper_file_};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(path);
        const auto result = runCommand(argv, path + ".log");
        ASSERT_EQ(result.exit_code, 0) << result.output;
    }

    std::unique_ptr<GatewayProcess> node(const std::string& name) {
        const std::string logs = temp_.file(name + "-logs");
        ::mkdir(logs.c_str(), 0700);
        ::mkdir(temp_.file(name).c_str(), 0700);
        return std::make_unique<GatewayProcess>(
            temp_.file(name), TestPki::shared().dir(), logs,
            std::vector<std::string>{"--ledger", uri_, "--pepper-file", pepper_file_,
                                     "--sweep-interval-ms", "600000"});
    }

    /// Asks `port` until `accept` likes the eligibility answer or kPropagationMax passes;
    /// returns how long it took (or kPropagationMax + 1 s on time-out).
    static Clock::duration waitFor(std::uint16_t port, const nlohmann::json& question,
                                   const std::function<bool(const HttpReply&)>& accept,
                                   Clock::time_point since, HttpReply& last) {
        auto atm = GatewayTestClient::forTerminal(port, "atm-0001");
        while (Clock::now() - since < kPropagationMax) {
            last = atm.post("/v1/eligibility", question);
            if (accept(last)) return Clock::now() - since;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return kPropagationMax + std::chrono::seconds(1);
    }

    static nlohmann::json question(const std::string& citizen, const std::string& nhi = "") {
        nlohmann::json body = {
            {"program", kProgramMain}, {"citizen_id", citizen}, {"channel", "atm"}};
        if (!nhi.empty()) body["nhi_card_no"] = nhi;
        return body;
    }

    static bool eligible(const HttpReply& reply) {
        return reply.status == 200 && reply.json.value("eligible", false);
    }

    static std::string metric(std::uint16_t admin_port, const std::string& series) {
        auto admin = GatewayTestClient::plain(admin_port);
        const HttpReply reply = admin.get("/metrics");
        // At the start of a line: the HELP line names the series too.
        const std::string prefix = "\n" + series + " ";
        const auto at = reply.body.find(prefix);
        if (at == std::string::npos) return "";
        const auto end = reply.body.find('\n', at + 1);
        return reply.body.substr(at + prefix.size(), end - at - prefix.size());
    }

    TempDir temp_{"cg-roster-live"};
    std::string uri_;
    std::string pepper_file_;
    int imports_ = 0;
};

TEST_F(RosterLive, ImportAndCorrectedNhiReachBothRunningNodesWithinFiveSeconds) {
    const std::string early = nationalId(3000001);
    const std::string corrected = nationalId(3000002, 'B', '2');
    const std::string late = nationalId(3000003, 'C');
    const std::string old_nhi = nhiCardNumber(3000002);
    const std::string new_nhi = nhiCardNumber(3999999);
    ASSERT_NO_FATAL_FAILURE(
        import(csvHeader(false) + early + ",,,,\n" + corrected + "," + old_nhi + ",,,\n"));
    auto node_a = node("node-a");
    auto node_b = node("node-b");
    ASSERT_TRUE(node_a->start()) << node_a->error();
    ASSERT_TRUE(node_b->start()) << node_b->error();
    for (const auto* running : {node_a.get(), node_b.get()}) {
        HttpReply reply;
        EXPECT_TRUE(eligible(GatewayTestClient::forTerminal(running->apiPort(), "atm-0001")
                                 .post("/v1/eligibility", question(early))));
        reply = GatewayTestClient::forTerminal(running->apiPort(), "atm-0001")
                    .post("/v1/eligibility", question(late));
        EXPECT_EQ(reply.json.value("reason", ""), "not_eligible") << reply.describe();
    }

    const auto imported_at = Clock::now();
    ASSERT_NO_FATAL_FAILURE(
        import(csvHeader(false) + late + ",,,,\n" + corrected + "," + new_nhi + ",,,\n"));
    for (const auto* running : {node_a.get(), node_b.get()}) {
        HttpReply last;
        const auto took = waitFor(running->apiPort(), question(late), eligible, imported_at, last);
        EXPECT_LE(took, kPropagationMax) << "new citizen not eligible: " << last.describe();
        const auto corrected_took =
            waitFor(running->apiPort(), question(corrected, new_nhi), eligible, imported_at, last);
        EXPECT_LE(corrected_took, kPropagationMax)
            << "corrected NHI number not accepted: " << last.describe();
        last = GatewayTestClient::forTerminal(running->apiPort(), "atm-0001")
                   .post("/v1/eligibility", question(corrected, old_nhi));
        EXPECT_EQ(last.json.value("reason", ""), "nhi_card_mismatch") << last.describe();
        std::printf("node %u: new citizen eligible after %lld ms\n", running->apiPort(),
                    static_cast<long long>(
                        std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
        // Each node shows the version it applied, equal to the newest in the database.
        const auto applied =
            metric(running->adminPort(), "claimgate_roster_version_applied{program=\"CASH2023\"}");
        const auto latest =
            metric(running->adminPort(), "claimgate_roster_version_latest{program=\"CASH2023\"}");
        EXPECT_EQ(applied, "2");
        EXPECT_EQ(latest, "2");
    }
    EXPECT_EQ(node_a->terminate(), 0);
    EXPECT_EQ(node_b->terminate(), 0);
}

TEST_F(RosterLive, ReplaceRemovesAbsentCitizensKeepsPaidClaimsAndExcludedRefusesWithReason) {
    const std::string paid = nationalId(3100001);
    const std::string dropped = nationalId(3100002, 'B', '2');
    const std::string excluded = nationalId(3100003, 'C');
    const std::string kept = nationalId(3100004, 'D', '2');
    ASSERT_NO_FATAL_FAILURE(import(csvHeader(false) + paid + ",,,,\n" + dropped + ",,,,\n" +
                                   excluded + ",,,,\n" + kept + ",,,,\n"));
    auto node_a = node("node-a");
    auto node_b = node("node-b");
    ASSERT_TRUE(node_a->start()) << node_a->error();
    ASSERT_TRUE(node_b->start()) << node_b->error();
    auto atm_a = GatewayTestClient::forTerminal(node_a->apiPort(), "atm-0001");
    const HttpReply held = atm_a.post(
        "/v1/claims",
        nlohmann::json{
            {"program", kProgramMain}, {"citizen_id", paid}, {"channel", "atm"}, {"amount", 6000}},
        std::string("replace-hold"));
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string claim_id = held.json["claim_id"].get<std::string>();
    ASSERT_EQ(atm_a
                  .post("/v1/claims/" + claim_id + "/commit",
                        nlohmann::json{{"amount", 6000}, {"terminal_ref", "R1"}},
                        std::string("replace-commit"))
                  .status,
              200);

    const auto imported_at = Clock::now();
    ASSERT_NO_FATAL_FAILURE(
        import(csvHeader(true) + excluded + ",,,,,excluded,deceased\n" + kept + ",,,,,,\n",
               {"--replace"}));
    for (const auto* running : {node_a.get(), node_b.get()}) {
        HttpReply last;
        const auto took = waitFor(
            running->apiPort(), question(dropped),
            [](const HttpReply& reply) { return reply.json.value("reason", "") == "not_eligible"; },
            imported_at, last);
        EXPECT_LE(took, kPropagationMax) << "removed citizen still eligible: " << last.describe();
        auto atm = GatewayTestClient::forTerminal(running->apiPort(), "atm-0001");
        EXPECT_TRUE(eligible(atm.post("/v1/eligibility", question(kept))));
        // A removed citizen cannot start a claim...
        const HttpReply refused = atm.post("/v1/claims",
                                           nlohmann::json{{"program", kProgramMain},
                                                          {"citizen_id", dropped},
                                                          {"channel", "atm"},
                                                          {"amount", 6000}},
                                           "dropped-" + std::to_string(running->apiPort()));
        EXPECT_EQ(refused.code(), "not_eligible") << refused.describe();
        // ...an excluded one is refused with the reason from the file...
        const HttpReply excluded_reply = atm.post("/v1/claims",
                                                  nlohmann::json{{"program", kProgramMain},
                                                                 {"citizen_id", excluded},
                                                                 {"channel", "atm"},
                                                                 {"amount", 6000}},
                                                  "excluded-" + std::to_string(running->apiPort()));
        EXPECT_EQ(excluded_reply.code(), "excluded") << excluded_reply.describe();
        EXPECT_EQ(excluded_reply.json["error"]["detail"].value("reason", ""), "deceased")
            << excluded_reply.describe();
        // ...and the paid claim of a citizen no longer on the roster stays paid.
        const HttpReply claim = atm_a.get("/v1/claims/" + claim_id);
        EXPECT_EQ(claim.json.value("status", ""), "paid") << claim.describe();
    }
    const auto rows =
        pgQuery(uri_, "SELECT status FROM claims WHERE claim_id = '" + claim_id + "'");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0][0], "paid");
    const auto removed = pgQuery(uri_, "SELECT count(*) FROM roster WHERE removed");
    EXPECT_EQ(removed[0][0], "2");  // paid and dropped: rows kept as removed, not deleted
    EXPECT_EQ(node_a->terminate(), 0);
    EXPECT_EQ(node_b->terminate(), 0);
}

TEST_F(RosterLive, NodeStartedWithAnOldSnapshotCatchesUp) {
    const std::string first = nationalId(3200001);
    const std::string second = nationalId(3200002, 'B', '2');
    ASSERT_NO_FATAL_FAILURE(import(csvHeader(false) + first + ",,,,\n"));
    auto node_a = node("node-a");
    ASSERT_TRUE(node_a->start()) << node_a->error();
    EXPECT_EQ(node_a->terminate(), 0);
    // The snapshot taken at version 1 is kept aside, then put back after version 2.
    const std::string snapshot = temp_.file("node-a") + "/index.snapshot";
    const std::string old_snapshot = readFileBytes(snapshot);
    ASSERT_FALSE(old_snapshot.empty()) << "no snapshot written";
    ASSERT_NO_FATAL_FAILURE(import(csvHeader(false) + second + ",,,,\n"));
    auto node_b = node("node-b");  // keeps running through the change
    ASSERT_TRUE(node_b->start()) << node_b->error();
    writeFileBytes(snapshot, old_snapshot);

    ASSERT_TRUE(node_a->start()) << node_a->error();
    HttpReply last;
    const auto took = waitFor(node_a->apiPort(), question(second), eligible, Clock::now(), last);
    EXPECT_LE(took, kPropagationMax) << last.describe();
    EXPECT_TRUE(eligible(GatewayTestClient::forTerminal(node_a->apiPort(), "atm-0001")
                             .post("/v1/eligibility", question(first))));
    EXPECT_EQ(metric(node_a->adminPort(), "claimgate_roster_version_applied{program=\"CASH2023\"}"),
              "2");
    // Caught up from the snapshot, not rebuilt from the database.
    EXPECT_EQ(metric(node_a->adminPort(), "claimgate_roster_index_rebuilds_total"), "0");
    EXPECT_EQ(node_a->allLogs().find("building the index"), std::string::npos) << node_a->allLogs();

    // A damaged snapshot is refused and the index is built from the database instead.
    EXPECT_EQ(node_a->terminate(), 0);
    std::string damaged = readFileBytes(snapshot);
    damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x40);
    writeFileBytes(snapshot, damaged);
    ASSERT_TRUE(node_a->start()) << node_a->error();
    EXPECT_TRUE(eligible(GatewayTestClient::forTerminal(node_a->apiPort(), "atm-0001")
                             .post("/v1/eligibility", question(second))));
    EXPECT_NE(node_a->allLogs().find("damaged"), std::string::npos) << node_a->allLogs();
    EXPECT_EQ(node_a->terminate(), 0);
    EXPECT_EQ(node_b->terminate(), 0);
}

}  // namespace
}  // namespace claimgate::testing
