// The claim state machine of contracts §5 over HTTP: held -> paid | voided, TTL -> in_doubt (via
// the ManualClock and sweepNow), late commit / void accepted, kiosk slip committed by a POS of
// the same operator by claim code, admin resolution over the admin listener.
#include "gateway_api_fixture.hpp"

#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <claimgate/gateway/claim_service.hpp>
#include <claimgate/gateway/metrics.hpp>

namespace claimgate::testing {
namespace {

class StateMachineTest : public GatewayApiTest {
protected:
    std::int64_t sweep() {
        const auto reply = gw_.runtime().service().sweepNow();
        EXPECT_EQ(reply.http_status, 200) << reply.body;
        return nlohmann::json::parse(reply.body).value("expired", std::int64_t{-1});
    }
};

TEST_F(StateMachineTest, HoldThenCommit) {
    auto atm = gw_.client("atm-0001");
    const HttpReply held = hold(atm, claimant(citizens().plain));
    ASSERT_EQ(held.status, 201) << held.describe();
    EXPECT_EQ(held.json["status"], "held");
    EXPECT_EQ(held.json["amount"], 6000);
    EXPECT_EQ(protocols::parseRfc3339Millis(held.json["expires_at"].get<std::string>()),
              std::optional<std::int64_t>(kStandardNowMillis + 120'000));
    const std::string id = held.json["claim_id"];
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["status"], "held");
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "held");
    const HttpReply paid = commit(atm, id, 6000, "ATM-REF-1");
    ASSERT_EQ(paid.status, 200) << paid.describe();
    EXPECT_EQ(paid.json["status"], "paid");
    EXPECT_EQ(paid.json["receipt"]["claim_id"], id);
    const HttpReply get = atm.get("/v1/claims/" + id);
    EXPECT_EQ(get.json["status"], "paid");
    EXPECT_EQ(get.json["terminal_ref"], "ATM-REF-1");
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "paid");
}

TEST_F(StateMachineTest, HoldThenVoidFreesTheCitizen) {
    auto atm = gw_.client("atm-0001");
    const std::string id = holdOk(claimant(citizens().plain));
    const HttpReply voided = voidClaim(atm, id, "card retained");
    ASSERT_EQ(voided.status, 200) << voided.describe();
    EXPECT_EQ(voided.json["status"], "voided");
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["reason"], "card retained");
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "voided");
    // Void again with a new key: idempotent.
    EXPECT_EQ(voidClaim(atm, id).json["status"], "voided");
    // The citizen may claim again, on any channel.
    auto counter = gw_.client("counter-0001");
    const HttpReply again = hold(counter, claimant(citizens().plain, "counter"));
    ASSERT_EQ(again.status, 201) << again.describe();
    EXPECT_NE(again.json["claim_id"], id);
}

TEST_F(StateMachineTest, TtlMovesHoldToInDoubtAndLateCommitIsAccepted) {
    auto atm = gw_.client("atm-0001");
    const std::string id = holdOk(claimant(citizens().plain));
    gw_.clock().advanceMillis(119'000);
    EXPECT_EQ(sweep(), 0);
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["status"], "held");
    gw_.clock().advanceMillis(2'000);
    EXPECT_EQ(sweep(), 1);
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["status"], "in_doubt");
    EXPECT_EQ(gw_.runtime().metrics().inDoubt(), 1);
    // in_doubt still blocks the citizen everywhere.
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "in_doubt");
    auto counter = gw_.client("counter-0001");
    const HttpReply blocked = hold(counter, claimant(citizens().plain, "counter"));
    EXPECT_EQ(blocked.code(), "already_claimed");
    EXPECT_EQ(blocked.json["error"]["detail"]["status"], "in_doubt");
    // The terminal's journal delivers the commit late: accepted.
    const HttpReply late = commit(atm, id);
    ASSERT_EQ(late.status, 200) << late.describe();
    EXPECT_EQ(late.json["status"], "paid");
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["status"], "paid");
    EXPECT_EQ(gw_.runtime().metrics().inDoubt(), 0);
    EXPECT_EQ(sweep(), 0);
}

TEST_F(StateMachineTest, TtlThenLateVoidIsAcceptedAndFreesTheCitizen) {
    auto atm = gw_.client("atm-0001");
    const std::string id = holdOk(claimant(citizens().plain));
    gw_.clock().advanceMillis(121'000);
    ASSERT_EQ(sweep(), 1);
    const HttpReply late = voidClaim(atm, id, "dispense failed");
    ASSERT_EQ(late.status, 200) << late.describe();
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["status"], "voided");
    EXPECT_EQ(gw_.runtime().metrics().inDoubt(), 0);
    EXPECT_EQ(holdOk(claimant(citizens().plain)).empty(), false);
}

TEST_F(StateMachineTest, VoidAfterPaidIsInvalidTransition) {
    auto atm = gw_.client("atm-0001");
    const std::string id = holdOk(claimant(citizens().plain));
    ASSERT_EQ(commit(atm, id).status, 200);
    const HttpReply refused = voidClaim(atm, id);
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(refused.code(), "invalid_transition");
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["status"], "paid");
}

TEST_F(StateMachineTest, SecondCommitWithNewKeyIsIdempotent) {
    auto atm = gw_.client("atm-0001");
    const std::string id = holdOk(claimant(citizens().plain));
    const HttpReply first = commit(atm, id);
    ASSERT_EQ(first.status, 200);
    const std::int64_t events = eventCount();
    gw_.clock().advanceMillis(10'000);
    const HttpReply second = commit(atm, id);  // a fresh Idempotency-Key
    EXPECT_EQ(second.status, 200) << second.describe();
    EXPECT_EQ(second.json["status"], "paid");
    // The same receipt (ECDSA signatures are randomised, so compare all but "sig").
    nlohmann::json first_receipt = first.json["receipt"];
    nlohmann::json second_receipt = second.json["receipt"];
    first_receipt.erase("sig");
    second_receipt.erase("sig");
    EXPECT_EQ(second_receipt, first_receipt);
    EXPECT_EQ(eventCount(), events);
}

TEST_F(StateMachineTest, KioskSlipIsCommittedByPosOfTheSameOperatorByClaimCode) {
    auto kiosk = gw_.client("kiosk-0001");
    const HttpReply held = hold(kiosk, claimant(citizens().plain, "kiosk"));
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string code = held.json["claim_code"];
    ASSERT_EQ(code.size(), protocols::kClaimCodeDigits);
    EXPECT_EQ(code.find_first_not_of("0123456789"), std::string::npos);
    // Kiosk slips live longer than the ATM TTL.
    EXPECT_EQ(protocols::parseRfc3339Millis(held.json["expires_at"].get<std::string>()),
              std::optional<std::int64_t>(kStandardNowMillis + 1'800'000));
    gw_.clock().advanceMillis(600'000);
    EXPECT_EQ(sweep(), 0);
    auto pos = gw_.client("pos-0001");
    EXPECT_EQ(pos.get("/v1/claims/" + code).json["status"], "held");
    const HttpReply paid = commit(pos, code, 6000, "POS-REF");
    ASSERT_EQ(paid.status, 200) << paid.describe();
    EXPECT_EQ(paid.json["receipt"]["terminal_id"], "pos-0001");
    const HttpReply get = kiosk.get("/v1/claims/" + held.json["claim_id"].get<std::string>());
    EXPECT_EQ(get.json["status"], "paid");
    EXPECT_EQ(get.json["terminal_id"], "pos-0001");
    // Another operator cannot use the code (codes are per operator).
    auto counter = gw_.client("counter-0001");
    EXPECT_EQ(counter.get("/v1/claims/" + code).code(), "unknown_claim");
}

TEST_F(StateMachineTest, GetByAnotherOperatorIsOperatorMismatch) {
    const std::string id = holdOk(claimant(citizens().plain));
    auto kiosk = gw_.client("kiosk-0001");
    const HttpReply reply = kiosk.get("/v1/claims/" + id);
    EXPECT_EQ(reply.status, 403);
    EXPECT_EQ(reply.code(), "operator_mismatch");
}

TEST_F(StateMachineTest, AdminResolvesAnInDoubtClaimOverTheAdminListener) {
    auto atm = gw_.client("atm-0001");
    const std::string voided = holdOk(claimant(citizens().plain));
    const std::string paid = holdOk(claimant(citizens().plain2));
    gw_.clock().advanceMillis(121'000);
    ASSERT_EQ(sweep(), 2);
    EXPECT_EQ(gw_.runtime().metrics().inDoubt(), 2);
    auto admin = gw_.admin();
    HttpReply reply =
        admin.post("/admin/claims/" + voided + "/resolve",
                   nlohmann::json{{"outcome", "voided"}, {"reason", "settlement period closed"}});
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json["status"], "voided");
    reply = admin.post("/admin/claims/" + paid + "/resolve",
                       nlohmann::json{{"outcome", "paid"}, {"reason", "settlement row 17"}});
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(atm.get("/v1/claims/" + voided).json["status"], "voided");
    EXPECT_EQ(atm.get("/v1/claims/" + paid).json["status"], "paid");
    EXPECT_EQ(gw_.runtime().metrics().inDoubt(), 0);
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "voided");
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain2)), "paid");
    // Bad requests and impossible resolutions change nothing.
    const std::int64_t events = eventCount();
    EXPECT_EQ(admin
                  .post("/admin/claims/" + paid + "/resolve",
                        nlohmann::json{{"outcome", "maybe"}, {"reason", "x"}})
                  .code(),
              "bad_field");
    EXPECT_EQ(admin
                  .post("/admin/claims/" + paid + "/resolve",
                        nlohmann::json{{"outcome", "voided"}, {"reason", "x"}})
                  .code(),
              "invalid_transition");
    EXPECT_EQ(admin
                  .post("/admin/claims/c_nosuchclaim/resolve",
                        nlohmann::json{{"outcome", "voided"}, {"reason", "x"}})
                  .code(),
              "unknown_claim");
    EXPECT_EQ(eventCount(), events);
}

}  // namespace
}  // namespace claimgate::testing
