// Several gateway nodes on one PostgreSQL ledger (contracts §6, issue 5), as real child processes
// sharing `--ledger URI --pepper-file F` with separate data dirs:
//  - many threads race reservations for the same citizens across two nodes and three channels:
//    every citizen gets exactly one 201, the database holds at most one blocking claim per
//    citizen, and `claimgate-recon verify --ledger URI` accepts the one shared hash chain;
//  - the database restarts under a running gateway: requests during the outage get `503
//    not_ready` with Retry-After (bodies checked against openapi.yaml), the gateway reconnects by
//    itself afterwards, and nothing is half-written;
//  - the in-doubt gauge is the database's figure: after a sweep on one node and a late void on
//    the other, both nodes report the same number;
//  - `claimgate-recon match --apply --ledger URI` resolves an in-doubt claim in PostgreSQL.
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

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace claimgate::testing {
namespace {

nlohmann::json claimBody(const std::string& citizen, const std::string& channel) {
    return {
        {"program", kProgramMain}, {"citizen_id", citizen}, {"channel", channel}, {"amount", 6000}};
}

/// Runs tests/integration/openapi/check_responses.py over recorded exchanges; "" = conform.
std::string openApiViolations(const TempDir& temp, const nlohmann::json& records) {
    const char* source = std::getenv("CG_SOURCE_DIR");
    if (source == nullptr) return "CG_SOURCE_DIR is not set";
    const std::string path = temp.file("records.jsonl");
    {
        std::ofstream out(path);
        for (const auto& record : records) out << record.dump() << "\n";
    }
    const std::string report = temp.file("openapi.txt");
    const std::string command = std::string("/usr/bin/python3 ") + source +
                                "/tests/integration/openapi/check_responses.py " + source +
                                "/protocols/openapi.yaml " + path + " > " + report + " 2>&1";
    if (std::system(command.c_str()) == 0) return "";
    return readFileBytes(report);
}

nlohmann::json exchange(const std::string& method, const std::string& path,
                        const HttpReply& reply) {
    return {{"method", method}, {"path", path}, {"status", reply.status}, {"body", reply.body}};
}

std::int64_t inDoubtGauge(std::uint16_t admin_port) {
    auto admin = GatewayTestClient::plain(admin_port);
    const std::string text = admin.get("/metrics").body;
    const std::string series = "\nclaimgate_claims_in_doubt ";
    const auto at = text.find(series);
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + series.size()));
}

/// Polls both nodes' gauges until they equal `expected` (a node refreshes it on its sweeps).
bool gaugesReach(std::uint16_t admin_a, std::uint16_t admin_b, std::int64_t expected,
                 std::int64_t& seen_a, std::int64_t& seen_b) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
        seen_a = inDoubtGauge(admin_a);
        seen_b = inDoubtGauge(admin_b);
        if (seen_a == expected && seen_b == expected) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

TEST(MultiNode, RacingReservationsAcrossTwoNodesAndThreeChannelsPayEachCitizenOnce) {
    TempDir temp("cg-multi");
    const std::string uri = PostgresServer::shared().freshDatabase();
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(120).bulk;
    ASSERT_NO_THROW(importThroughCli(temp.path(), uri, pepper_file, citizens));
    auto node_a = makeLedgerNode(temp, "node-a", uri, pepper_file);
    auto node_b = makeLedgerNode(temp, "node-b", uri, pepper_file);
    ASSERT_TRUE(node_a->start()) << node_a->error();
    ASSERT_TRUE(node_b->start()) << node_b->error();

    struct Racer {
        std::uint16_t port;
        std::string terminal;
        std::string channel;
    };
    std::vector<Racer> racers;
    for (const auto* node : {node_a.get(), node_b.get()}) {
        for (int copy = 0; copy < 2; ++copy) {  // two threads per node and channel: 12 racers
            racers.push_back({node->apiPort(), "atm-0001", "atm"});
            racers.push_back({node->apiPort(), "kiosk-0001", "kiosk"});
            racers.push_back({node->apiPort(), "counter-0001", "counter"});
        }
    }
    std::mutex mutex;
    std::map<std::string, int> created;   // citizen -> number of 201s
    std::map<std::string, int> outcomes;  // status/code -> count
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < racers.size(); ++r) {
        threads.emplace_back([&, r] {
            const Racer& racer = racers[r];
            auto client = GatewayTestClient::forTerminal(racer.port, racer.terminal);
            std::vector<std::size_t> order(citizens.size());
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
            std::mt19937 random(static_cast<unsigned>(r) + 7U);
            // Mostly the same order (so racers collide on the same citizen at the same time),
            // with local shuffles so the collisions are not always between the same pairs.
            for (std::size_t i = 0; i + 4 < order.size(); i += 4) {
                std::shuffle(order.begin() + static_cast<std::ptrdiff_t>(i),
                             order.begin() + static_cast<std::ptrdiff_t>(i + 4), random);
            }
            for (const std::size_t i : order) {
                const HttpReply reply =
                    client.post("/v1/claims", claimBody(citizens[i], racer.channel),
                                "race-" + std::to_string(r) + "-" + std::to_string(i));
                std::lock_guard lock(mutex);
                outcomes[std::to_string(reply.status) + " " + reply.code()]++;
                if (reply.status == 201) created[citizens[i]]++;
            }
        });
    }
    for (auto& thread : threads) thread.join();

    std::string summary;
    for (const auto& [outcome, count] : outcomes) {
        summary += outcome + " x" + std::to_string(count) + "; ";
    }
    EXPECT_EQ(created.size(), citizens.size()) << summary;
    for (const auto& [citizen, count] : created) {
        EXPECT_EQ(count, 1) << "citizen reserved " << count << " times; " << summary;
    }
    for (const auto& [outcome, count] : outcomes) {
        EXPECT_TRUE(outcome == "201 " || outcome == "409 already_claimed")
            << "unexpected outcome " << outcome << " x" << count;
    }
    const auto doubles = pgQuery(uri,
                                 "SELECT program, citizen_key, count(*) FROM claims WHERE status "
                                 "IN ('held','in_doubt','paid') GROUP BY 1,2 HAVING count(*) > 1");
    EXPECT_TRUE(doubles.empty()) << doubles.size() << " citizens with two blocking claims";
    const auto held = pgQuery(uri, "SELECT count(*) FROM claims WHERE status = 'held'");
    EXPECT_EQ(held[0][0], std::to_string(citizens.size()));

    EXPECT_EQ(node_a->terminate(), 0);
    EXPECT_EQ(node_b->terminate(), 0);
    const auto verify = runCommand({binDir() + "/claimgate-recon", "verify", "--data-dir",
                                    temp.file("node-a"), "--ledger", uri},
                                   temp.file("verify.log"));
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    gateway::PostgresLedgerStore store(uri);
    const auto chain = gateway::verifyChain(store);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, static_cast<std::int64_t>(citizens.size()));
}

/// Posts until an answer other than 503 comes, waiting Retry-After between tries (bounded).
HttpReply postUntilServed(GatewayTestClient& client, const std::string& path,
                          const nlohmann::json& body, const std::string& key, int& attempts) {
    HttpReply reply;
    for (attempts = 1; attempts <= 20; ++attempts) {
        reply = client.post(path, body, key);
        if (reply.status != 503) return reply;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return reply;
}

TEST(MultiNode, DatabaseRestartUnderARunningGatewayGives503ThenServesAgain) {
    TempDir temp("cg-outage");
    PostgresServer server(temp.file("pg"));
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(10).bulk;
    ASSERT_NO_THROW(importThroughCli(temp.path(), server.uri(), pepper_file, citizens));
    auto node = makeLedgerNode(temp, "node", server.uri(), pepper_file);
    ASSERT_TRUE(node->start()) << node->error();
    auto atm = GatewayTestClient::forTerminal(node->apiPort(), "atm-0001");

    const HttpReply before =
        atm.post("/v1/claims", claimBody(citizens[0], "atm"), std::string("o-h-0"));
    ASSERT_EQ(before.status, 201) << before.describe();
    const std::string held_id = before.json["claim_id"];

    server.stop();
    const HttpReply hold_down =
        atm.post("/v1/claims", claimBody(citizens[1], "atm"), std::string("o-h-1"));
    EXPECT_EQ(hold_down.status, 503) << hold_down.describe();
    EXPECT_FALSE(hold_down.header("retry-after").empty()) << hold_down.describe();
    const HttpReply commit_down =
        atm.post("/v1/claims/" + held_id + "/commit",
                 nlohmann::json{{"amount", 6000}, {"terminal_ref", "O1"}}, std::string("o-c-0"));
    EXPECT_EQ(commit_down.status, 503) << commit_down.describe();
    EXPECT_FALSE(commit_down.header("retry-after").empty());
    // A database outage is "not known yet" (not_ready), never `internal`, in the spec's shape.
    EXPECT_EQ(hold_down.json["error"]["code"], "not_ready") << hold_down.describe();
    EXPECT_EQ(commit_down.json["error"]["code"], "not_ready") << commit_down.describe();
    EXPECT_EQ(openApiViolations(
                  temp, {exchange("POST", "/v1/claims", hold_down),
                         exchange("POST", "/v1/claims/" + held_id + "/commit", commit_down)}),
              "");

    server.restart();
    // The terminal retries with the same keys, as the SDK does after a 503.
    int attempts = 0;
    const HttpReply hold_up =
        postUntilServed(atm, "/v1/claims", claimBody(citizens[1], "atm"), "o-h-1", attempts);
    EXPECT_EQ(hold_up.status, 201) << hold_up.describe();
    EXPECT_LE(attempts, 2) << "the gateway should reconnect at once";
    const HttpReply commit_up = postUntilServed(
        atm, "/v1/claims/" + held_id + "/commit",
        nlohmann::json{{"amount", 6000}, {"terminal_ref", "O1"}}, "o-c-0", attempts);
    EXPECT_EQ(commit_up.status, 200) << commit_up.describe();
    EXPECT_EQ(attempts, 1);

    // A restart with no request during the outage: the idle connection is dead, and the
    // first request after it must still be served (no stale-connection 503 on the way).
    server.stop();
    server.restart();
    const HttpReply after_quiet =
        atm.post("/v1/claims", claimBody(citizens[2], "atm"), std::string("o-h-2"));
    EXPECT_EQ(after_quiet.status, 201) << after_quiet.describe();

    EXPECT_EQ(node->terminate(), 0);
    // Nothing half-written: exactly the acknowledged changes, one chain.
    const auto statuses = pgQuery(server.uri(),
                                  "SELECT status, count(*) FROM claims GROUP BY 1 "
                                  "ORDER BY 1");
    std::map<std::string, std::string> by_status;
    for (const auto& row : statuses) by_status[row[0]] = row[1];
    EXPECT_EQ(by_status["paid"], "1");
    EXPECT_EQ(by_status["held"], after_quiet.status == 201 ? "2" : "1");
    EXPECT_EQ(by_status.count("in_doubt"), 0U);
    gateway::PostgresLedgerStore store(server.uri());
    const auto chain = gateway::verifyChain(store);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, after_quiet.status == 201 ? 4 : 3);
}

TEST(MultiNode, InDoubtGaugeAgreesOnTwoNodesAfterASweepOnOneAndALateVoidOnTheOther) {
    TempDir temp("cg-gauge");
    PostgresServer server(temp.file("pg"));
    const std::string uri = server.uri();
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(4).bulk;
    ASSERT_NO_THROW(importThroughCli(temp.path(), uri, pepper_file, citizens));
    // Node A sweeps every 100 ms; node B never (within the test): B's figure can only come
    // from the database, through its own late void.
    auto node_a = makeLedgerNode(temp, "node-a", uri, pepper_file, "100");
    auto node_b = makeLedgerNode(temp, "node-b", uri, pepper_file);
    ASSERT_TRUE(node_a->start()) << node_a->error();
    ASSERT_TRUE(node_b->start()) << node_b->error();
    auto atm_a = GatewayTestClient::forTerminal(node_a->apiPort(), "atm-0001");
    auto atm_b = GatewayTestClient::forTerminal(node_b->apiPort(), "atm-0001");
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < 2; ++i) {
        const HttpReply held =
            atm_a.post("/v1/claims", claimBody(citizens[i], "atm"), "g-h-" + std::to_string(i));
        ASSERT_EQ(held.status, 201) << held.describe();
        ids.push_back(held.json["claim_id"]);
    }
    // Both holds' TTL runs out (set in the database rather than waiting 120 s).
    pgQuery(uri, "UPDATE claims SET expires_at = 0 WHERE status = 'held'");
    std::int64_t a = 0, b = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (inDoubtGauge(node_a->adminPort()) != 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(pgQuery(uri, "SELECT count(*) FROM claims WHERE status = 'in_doubt'")[0][0], "2");
    // The terminal's journal delivers a late void to the other node.
    const HttpReply late =
        atm_b.post("/v1/claims/" + ids[0] + "/void", nlohmann::json{{"reason", "dispense failed"}},
                   std::string("g-v-0"));
    ASSERT_EQ(late.status, 200) << late.describe();
    EXPECT_TRUE(gaugesReach(node_a->adminPort(), node_b->adminPort(), 1, a, b))
        << "node A reports " << a << ", node B " << b << ", the database 1";
    EXPECT_EQ(node_a->terminate(), 0);
    EXPECT_EQ(node_b->terminate(), 0);
}

TEST(MultiNode, MatchApplyResolvesAnInDoubtClaimInPostgresql) {
    TempDir temp("cg-apply");
    PostgresServer server(temp.file("pg"));
    const std::string uri = server.uri();
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(2).bulk;
    ASSERT_NO_THROW(importThroughCli(temp.path(), uri, pepper_file, citizens));
    auto node = makeLedgerNode(temp, "node", uri, pepper_file, "100");
    ASSERT_TRUE(node->start()) << node->error();
    auto atm = GatewayTestClient::forTerminal(node->apiPort(), "atm-0001");
    const HttpReply held =
        atm.post("/v1/claims", claimBody(citizens[0], "atm"), std::string("m-h-0"));
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string id = held.json["claim_id"];
    pgQuery(uri, "UPDATE claims SET expires_at = 0 WHERE claim_id = '" + id + "'");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pgQuery(uri, "SELECT status FROM claims WHERE claim_id = '" + id + "'")[0][0] !=
               "in_doubt" &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(node->terminate(), 0);
    ASSERT_EQ(pgQuery(uri, "SELECT status FROM claims WHERE claim_id = '" + id + "'")[0][0],
              "in_doubt");

    // The bank's settlement file shows the cash left the machine.
    const std::string recon = binDir() + "/claimgate-recon";
    const auto exported = runCommand({recon, "export", "--data-dir", temp.file("node"), "--ledger",
                                      uri, "--out", temp.file("ledger.csv")},
                                     temp.file("export.log"));
    ASSERT_EQ(exported.exit_code, 0) << exported.output;
    ::mkdir(temp.file("settlement").c_str(), 0700);
    writeFileBytes(temp.file("settlement/BANK004.csv"),
                   "operator,terminal_id,terminal_ref,claim_id,amount,paid_at\n"
                   "BANK004,atm-0001,T-1," +
                       id + ",6000,2026-01-01T10:00:00+08:00\n");
    const auto matched = runCommand({recon, "match", "--claims", temp.file("ledger.csv"),
                                     "--settlement", temp.file("settlement"), "--out",
                                     temp.file("out"), "--apply", "--ledger", uri, "--no-progress"},
                                    temp.file("match.log"));
    ASSERT_EQ(matched.exit_code, 0) << matched.output;
    // Resolved in PostgreSQL (not in some local SQLite file), as a chained event by recon.
    EXPECT_EQ(pgQuery(uri, "SELECT status FROM claims WHERE claim_id = '" + id + "'")[0][0],
              "paid");
    EXPECT_FALSE(std::filesystem::exists(temp.file("node") + "/ledger.db"));
    gateway::PostgresLedgerStore store(uri);
    const auto chain = gateway::verifyChain(store);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 3);  // held, in_doubt, resolved
    EXPECT_NE(store.lastEvent()->body.find("\"actor\":\"recon\""), std::string::npos);
}

}  // namespace
}  // namespace claimgate::testing
