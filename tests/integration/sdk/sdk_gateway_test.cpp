// The SDK against the real gateway process (mutual TLS on 127.0.0.1:0): the three channels'
// sessions, queued advices across a gateway crash and a client reopen, harmless duplicate
// delivery, and the C sample end to end.
#include "sdk_test_world.hpp"

#include "gateway_process.hpp"
#include "test_pki.hpp"

#include <claimgate/protocols/limits.hpp>
#include <claimgate/sdk/client.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace claimgate::sdk::testing {
namespace {

class SdkGatewayTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        world_ = new SdkTestWorld(40);
        std::string error;
        ready_ = world_->setUp(error);
        if (!ready_) {
            std::fprintf(stderr, "world setup failed: %s\n", error.c_str());
        }
    }
    static void TearDownTestSuite() {
        delete world_;
        world_ = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(ready_) << "gateway did not start"; }

    std::unique_ptr<Client> open(const std::string& terminal, const std::string& journal) {
        ClientConfig config;
        config.gateway_url = world_->gatewayUrl();
        config.ca_file = world_->pkiDir() + "/ca.pem";
        config.cert_file = world_->pkiDir() + "/terminals/" + terminal + ".pem";
        config.key_file = world_->pkiDir() + "/terminals/" + terminal + ".key";
        config.journal_path = world_->file(journal);
        config.timeout_ms = 3000;
        std::unique_ptr<Client> client;
        std::string error;
        EXPECT_EQ(Client::open(config, client, error), Status::ok) << error;
        return client;
    }

    const WorldCitizen& citizen(std::size_t index) { return world_->citizens().at(index); }

    static SdkTestWorld* world_;
    static bool ready_;
};

SdkTestWorld* SdkGatewayTest::world_ = nullptr;
bool SdkGatewayTest::ready_ = false;

TEST_F(SdkGatewayTest, AtmSessionPaysOnceAndTheSecondAttemptIsRefused) {
    auto atm = open("atm-0001", "atm-a.journal");
    ASSERT_TRUE(atm);
    const auto& person = citizen(0);
    const Outcome checked = atm->check(SdkTestWorld::kProgram, person.id, person.nhi, "");
    ASSERT_EQ(checked.status, Status::ok) << checked.code << " " << checked.message;
    EXPECT_TRUE(checked.eligible);
    EXPECT_EQ(checked.amount, SdkTestWorld::kAmount);
    const Outcome held =
        atm->reserve(SdkTestWorld::kProgram, person.id, person.nhi, "", checked.amount);
    ASSERT_EQ(held.status, Status::ok) << held.code << " " << held.message;
    EXPECT_EQ(held.claim_id.rfind("c_", 0), 0U) << held.claim_id;
    EXPECT_EQ(held.claim_status, "held");
    const Outcome paid = atm->commit(held.claim_id, held.amount, "atm-0001-it-1");
    ASSERT_EQ(paid.status, Status::ok) << paid.code << " " << paid.message;
    EXPECT_EQ(paid.claim_status, "paid");
    EXPECT_EQ(atm->pendingAdvices(), 0);

    const Outcome again = atm->reserve(SdkTestWorld::kProgram, person.id, person.nhi, "", 0);
    EXPECT_EQ(again.status, Status::refused);
    const Outcome direct =
        atm->reserve(SdkTestWorld::kProgram, person.id, person.nhi, "", SdkTestWorld::kAmount);
    EXPECT_EQ(direct.status, Status::refused);
    EXPECT_EQ(direct.code, "already_claimed");
    EXPECT_EQ(direct.http_status, 409);
}

TEST_F(SdkGatewayTest, ParentCollectsForChildAtAtmWithOwnId) {
    auto atm = open("atm-0001", "atm-b.journal");
    ASSERT_TRUE(atm);
    const auto& child = citizen(9);
    ASSERT_FALSE(child.proxy.empty());
    const Outcome held = atm->reserve(SdkTestWorld::kProgram, child.id, child.nhi, child.proxy,
                                      SdkTestWorld::kAmount);
    ASSERT_EQ(held.status, Status::ok) << held.code << " " << held.message;
    EXPECT_EQ(atm->commit(held.claim_id, held.amount, "atm-0001-it-2").status, Status::ok);
}

TEST_F(SdkGatewayTest, KioskSlipIsPaidAtThePosByClaimCode) {
    auto kiosk = open("kiosk-0001", "kiosk.journal");
    auto pos = open("pos-0001", "pos.journal");
    ASSERT_TRUE(kiosk && pos);
    const auto& person = citizen(1);
    const Outcome slip = kiosk->reserve(SdkTestWorld::kProgram, person.id, person.nhi, "", 0);
    ASSERT_EQ(slip.status, Status::ok) << slip.code << " " << slip.message;
    ASSERT_EQ(slip.claim_code.size(), protocols::kClaimCodeDigits) << slip.claim_code;
    const Outcome scanned = pos->lookup(slip.claim_code);
    ASSERT_EQ(scanned.status, Status::ok) << scanned.code << " " << scanned.message;
    EXPECT_EQ(scanned.claim_status, "held");
    EXPECT_EQ(scanned.claim_id, slip.claim_id);
    EXPECT_EQ(scanned.amount, slip.amount);
    const Outcome paid = pos->commit(slip.claim_code, slip.amount, "pos-0001-it-1");
    ASSERT_EQ(paid.status, Status::ok) << paid.code << " " << paid.message;
    EXPECT_EQ(paid.claim_id, slip.claim_id);
}

TEST_F(SdkGatewayTest, VoidReleasesTheHoldAtTheCounter) {
    auto counter = open("counter-0001", "counter.journal");
    ASSERT_TRUE(counter);
    const auto& person = citizen(2);
    const Outcome held = counter->reserve(SdkTestWorld::kProgram, person.id, "", "", 0);
    ASSERT_EQ(held.status, Status::ok) << held.code << " " << held.message;
    const Outcome voided = counter->voidClaim(held.claim_id, "counter_cancelled");
    ASSERT_EQ(voided.status, Status::ok) << voided.code << " " << voided.message;
    EXPECT_EQ(voided.claim_status, "voided");
    EXPECT_EQ(counter->commit(held.claim_id, held.amount, "late").code, "invalid_transition")
        << "the SDK refuses a commit after a void";
    const Outcome second = counter->reserve(SdkTestWorld::kProgram, person.id, "", "", 0);
    ASSERT_EQ(second.status, Status::ok) << "a voided hold no longer blocks: " << second.code;
    EXPECT_EQ(counter->commit(second.claim_id, second.amount, "counter-it-1").status, Status::ok);
}

TEST_F(SdkGatewayTest, CommitWhileGatewayDownIsQueuedSurvivesReopenAndDuplicateIsHarmless) {
    const auto& person = citizen(3);
    std::string claim_id;
    {
        auto atm = open("atm-0002", "atm-crash.journal");
        ASSERT_TRUE(atm);
        const Outcome held = atm->reserve(SdkTestWorld::kProgram, person.id, person.nhi, "", 0);
        ASSERT_EQ(held.status, Status::ok) << held.code << " " << held.message;
        claim_id = held.claim_id;
        world_->killGateway();
        const Outcome queued = atm->commit(held.claim_id, held.amount, "atm-0002-it-1");
        EXPECT_EQ(queued.status, Status::queued) << queued.code << " " << queued.message;
        EXPECT_EQ(atm->pendingAdvices(), 1);
    }  // closed: the advice stays on disk
    std::filesystem::copy_file(world_->file("atm-crash.journal"),
                               world_->file("atm-crash-copy.journal"));
    std::string error;
    ASSERT_TRUE(world_->restartGateway(error)) << error;
    {
        auto atm = open("atm-0002", "atm-crash.journal");
        ASSERT_TRUE(atm);
        EXPECT_EQ(atm->flush(std::chrono::seconds(20)), Status::ok);
        EXPECT_EQ(atm->pendingAdvices(), 0);
    }
    {
        // The same advice delivered a second time (a restored backup, a lost acknowledgement):
        // the gateway replays its answer, nothing changes.
        auto copy = open("atm-0002", "atm-crash-copy.journal");
        ASSERT_TRUE(copy);
        EXPECT_EQ(copy->pendingAdvices(), 1);
        EXPECT_EQ(copy->flush(std::chrono::seconds(20)), Status::ok);
        EXPECT_EQ(copy->pendingAdvices(), 0);
        const Outcome status = copy->check(SdkTestWorld::kProgram, person.id, person.nhi, "");
        ASSERT_EQ(status.status, Status::ok);
        EXPECT_FALSE(status.eligible);
        EXPECT_EQ(status.claim_status, "paid");
    }
}

TEST_F(SdkGatewayTest, CommitOfAVoidedClaimIsRefusedForGoodAndLogged) {
    static std::string captured;
    setLogHandler([](void*, const char* line) { captured += std::string(line) + "\n"; }, nullptr);
    auto counter = open("counter-0001", "counter-refused.journal");
    auto other = open("counter-0001", "counter-refused-2.journal");
    ASSERT_TRUE(counter && other);
    const auto& person = citizen(5);
    const Outcome held = counter->reserve(SdkTestWorld::kProgram, person.id, "", "", 0);
    ASSERT_EQ(held.status, Status::ok) << held.code;
    ASSERT_EQ(counter->voidClaim(held.claim_id, "cancelled").status, Status::ok);
    // A second till that never saw the void commits the same claim: the gateway refuses for
    // good, the advice leaves the journal, and the refusal reaches the vendor's log.
    const Outcome late = other->commit(held.claim_id, held.amount, "counter-late-1");
    EXPECT_EQ(late.status, Status::refused);
    EXPECT_EQ(late.code, "invalid_transition");
    EXPECT_EQ(other->pendingAdvices(), 0);
    setLogHandler(nullptr, nullptr);
    EXPECT_NE(captured.find("invalid_transition"), std::string::npos) << captured;
}

TEST_F(SdkGatewayTest, CSampleRunsAFullSessionThroughTheCAbi) {
    const auto& person = citizen(4);
    const auto result = claimgate::testing::runCommand(
        {claimgate::testing::binDir() + "/claimgate-sample-atm", "--gateway", world_->gatewayUrl(),
         "--pki-dir", world_->pkiDir(), "--journal", world_->file("sample.journal"), "--program",
         SdkTestWorld::kProgram, "--citizen", person.id, "--nhi", person.nhi},
        world_->file("sample.log"), std::chrono::seconds(60));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("commit   CG_OK"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace claimgate::sdk::testing
