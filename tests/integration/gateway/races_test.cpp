// Invariant 1 under concurrency: many terminals of different channels racing for the same
// citizens; exactly one hold wins, at most one claim is ever paid, verified in the ledger file
// and with the hash chain after the gateway stopped.
#include "gateway_api_fixture.hpp"

#include <claimgate/protocols/digest.hpp>

#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <latch>
#include <mutex>
#include <thread>

namespace claimgate::testing {
namespace {

class RaceTest : public GatewayApiTest {
protected:
    RaceTest() : GatewayApiTest(options()) {}
    static InProcessGatewayOptions options() {
        InProcessGatewayOptions o;
        o.bulk_citizens = 1000;
        o.io_threads = 4;  // event-driven: a few threads serve all 64 connections
        return o;
    }
};

TEST_F(RaceTest, SixtyFourTerminalsAcrossThreeChannelsReserveOneCitizenExactlyOnce) {
    constexpr int kThreads = 64;
    const std::vector<std::string> channels = {"atm", "kiosk", "counter"};
    std::vector<GatewayTestClient> clients;
    clients.reserve(kThreads);
    for (int i = 0; i < kThreads; ++i) {
        clients.push_back(gw_.client(terminalFor(channels[static_cast<std::size_t>(i) % 3])));
        // Handshake before the start line, so the race is between requests, not handshakes.
        ASSERT_EQ(clients.back().get("/v1/programs").status, 200);
    }
    std::latch start(kThreads);
    std::mutex mutex;
    std::vector<HttpReply> replies;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            Claimant who = claimant(citizens().plain, channels[static_cast<std::size_t>(i) % 3]);
            start.arrive_and_wait();
            HttpReply reply =
                hold(clients[static_cast<std::size_t>(i)], who, "race-" + std::to_string(i));
            std::lock_guard lock(mutex);
            replies.push_back(std::move(reply));
        });
    }
    for (auto& thread : threads) thread.join();
    int created = 0;
    for (const auto& reply : replies) {
        if (reply.status == 201) {
            ++created;
        } else {
            EXPECT_EQ(reply.code(), "already_claimed") << reply.describe();
        }
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(countRows(gw_.ledgerPath(), "claims"), 1);
}

TEST_F(RaceTest, ThousandCitizensRacedByTwoChannelsArePaidAtMostOnce) {
    const auto& bulk = citizens().bulk;
    ASSERT_EQ(bulk.size(), 1000U);
    constexpr std::size_t kThreadsPerChannel = 4;
    const std::vector<std::string> channels = {"atm", "counter"};
    std::atomic<int> paid_acknowledged{0};
    std::atomic<int> unexpected{0};
    std::latch start(static_cast<std::ptrdiff_t>(channels.size() * kThreadsPerChannel));
    std::vector<std::thread> threads;
    for (const auto& channel : channels) {
        for (std::size_t t = 0; t < kThreadsPerChannel; ++t) {
            threads.emplace_back([&, channel, t] {
                auto client = gw_.client(terminalFor(channel));
                start.arrive_and_wait();
                // Both channels walk the same citizens in the same order: maximal contention.
                for (std::size_t i = t; i < bulk.size(); i += kThreadsPerChannel) {
                    const HttpReply held = hold(client, claimant(bulk[i], channel),
                                                channel + "-h-" + std::to_string(i));
                    if (held.status != 201) {
                        if (held.code() != "already_claimed") ++unexpected;
                        continue;
                    }
                    const HttpReply paid =
                        commit(client, held.json["claim_id"], 6000, "R" + std::to_string(i),
                               channel + "-c-" + std::to_string(i));
                    if (paid.status == 200) {
                        ++paid_acknowledged;
                    } else {
                        ++unexpected;
                    }
                }
            });
        }
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(unexpected.load(), 0);
    EXPECT_EQ(paid_acknowledged.load(), 1000);
    gw_.stop();

    const auto paid = paidClaimsPerCitizen(gw_.ledgerPath(), kProgramMain);
    EXPECT_EQ(paid.size(), 1000U);
    for (const auto& [citizen, count] : paid) EXPECT_EQ(count, 1) << citizen;
    EXPECT_EQ(countRows(gw_.ledgerPath(), "claims"), 1000);
    gateway::SqliteLedgerStore store(gw_.ledgerPath());
    const auto chain = gateway::verifyChain(store);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 2000);  // held + paid per citizen
}

}  // namespace
}  // namespace claimgate::testing
