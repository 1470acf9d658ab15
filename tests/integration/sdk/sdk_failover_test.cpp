// Issue 12 "done when": two gateways on one PostgreSQL ledger, the SDK configured with both
// URLs; the first is killed (SIGKILL) with a hold made through it and payments before and
// after; the SDK continues on the second without the caller doing anything, and nobody is paid
// twice (checked in the shared database).
#include "sdk_test_world.hpp"

#include "postgres_server.hpp"

#include <claimgate/sdk/client.hpp>

#include <gtest/gtest.h>

namespace claimgate::sdk::testing {
namespace {

using claimgate::testing::pgQuery;
using claimgate::testing::PostgresServer;

TEST(SdkFailoverTest, FirstGatewayKilledTheSdkContinuesOnTheSecondWithNoDoublePayout) {
    SdkTestWorld world(24, PostgresServer::shared().freshDatabase());
    std::string error;
    ASSERT_TRUE(world.setUp(error)) << error;
    ASSERT_TRUE(world.startPeer(error)) << error;
    const std::string uri = world.ledgerUri();

    ClientConfig config;
    config.gateway_url = world.gatewayUrl() + "," + world.peerUrl();
    config.ca_file = world.pkiDir() + "/ca.pem";
    config.cert_file = world.pkiDir() + "/terminals/atm-0001.pem";
    config.key_file = world.pkiDir() + "/terminals/atm-0001.key";
    config.journal_path = world.file("failover.journal");
    config.timeout_ms = 3000;
    std::unique_ptr<Client> atm;
    ASSERT_EQ(Client::open(config, atm, error), Status::ok) << error;

    const auto pay = [&](std::size_t index) {
        const auto& person = world.citizens().at(index);
        const Outcome held =
            atm->reserve(SdkTestWorld::kProgram, person.id, person.nhi, person.proxy, 0);
        EXPECT_EQ(held.status, Status::ok) << index << ": " << held.code << " " << held.message;
        if (!held.ok()) {
            return std::string();
        }
        const Outcome paid =
            atm->commit(held.claim_id, held.amount, "atm-0001-fo-" + std::to_string(index));
        EXPECT_EQ(paid.status, Status::ok) << index << ": " << paid.code << " " << paid.message;
        return held.claim_id;
    };
    for (std::size_t i = 0; i < 4; ++i) {
        (void)pay(i);
    }
    // A hold made through the first gateway, then the first gateway dies.
    const auto& holder = world.citizens().at(4);
    const Outcome held =
        atm->reserve(SdkTestWorld::kProgram, holder.id, holder.nhi, holder.proxy, 0);
    ASSERT_EQ(held.status, Status::ok) << held.message;
    const auto first_claims = pgQuery(uri, "SELECT count(*) FROM claims");
    world.killGateway();

    // The commit of that hold reaches the second gateway (same ledger): paid, not queued.
    const Outcome committed = atm->commit(held.claim_id, held.amount, "atm-0001-fo-4");
    EXPECT_EQ(committed.status, Status::ok) << committed.code << " " << committed.message;
    for (std::size_t i = 5; i < 12; ++i) {
        (void)pay(i);
    }
    // Paying an already paid citizen again is refused by the second gateway.
    const auto& first = world.citizens().at(0);
    const Outcome again = atm->reserve(SdkTestWorld::kProgram, first.id, first.nhi, first.proxy, 0);
    EXPECT_EQ(again.status, Status::refused);
    EXPECT_EQ(again.code, "already_claimed");
    EXPECT_EQ(atm->flush(std::chrono::seconds(20)), Status::ok);
    EXPECT_EQ(atm->pendingAdvices(), 0);

    const auto paid = pgQuery(uri, "SELECT count(*) FROM claims WHERE status = 'paid'");
    ASSERT_EQ(paid.size(), 1U);
    EXPECT_EQ(paid[0][0], "12");
    const auto twice = pgQuery(uri,
                               "SELECT program, citizen_key FROM claims WHERE status IN "
                               "('held','in_doubt','paid') GROUP BY 1, 2 HAVING count(*) > 1");
    EXPECT_TRUE(twice.empty()) << twice.size() << " citizens with two live claims";
    const auto held_left = pgQuery(uri, "SELECT count(*) FROM claims WHERE status = 'held'");
    EXPECT_EQ(held_left[0][0], "0");
    ASSERT_EQ(first_claims.size(), 1U);
    EXPECT_EQ(first_claims[0][0], "5") << "four paid and one held through the first gateway";
}

}  // namespace
}  // namespace claimgate::sdk::testing
