// Every error of contracts §5 the gateway produces over HTTP: code, HTTP status, and that the
// refused request changed nothing (no claim rows, no events, eligibility unchanged).
#include "gateway_api_fixture.hpp"
#include "ledger_write_lock.hpp"

#include <claimgate/protocols/time_format.hpp>

#include <claimgate/gateway/claim_service.hpp>

#include <thread>

namespace claimgate::testing {
namespace {

class ApiErrorsTest : public GatewayApiTest {
protected:
    void SetUp() override {
        claims_before_ = claimCount();
        events_before_ = eventCount();
    }
    void expectNothingChanged() {
        EXPECT_EQ(claimCount(), claims_before_);
        EXPECT_EQ(eventCount(), events_before_);
    }
    void expectError(const HttpReply& reply, int status, const std::string& code) {
        EXPECT_EQ(reply.status, status) << reply.describe();
        EXPECT_EQ(reply.code(), code) << reply.describe();
        EXPECT_TRUE(reply.json["error"].contains("message")) << reply.describe();
    }
    std::int64_t claims_before_ = 0;
    std::int64_t events_before_ = 0;
};

TEST_F(ApiErrorsTest, MalformedJsonIs400AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    expectError(atm.post("/v1/claims", std::string("{\"program\": "), freshKey()), 400,
                "malformed_json");
    expectError(atm.post("/v1/eligibility", std::string("[1,2")), 400, "malformed_json");
    expectError(atm.post("/v1/claims", std::string("[]"), freshKey()), 400, "malformed_json");
    expectNothingChanged();
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "none");
}

TEST_F(ApiErrorsTest, MissingFieldIs400AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    nlohmann::json body = claimant(citizens().plain).claimJson();
    body.erase("citizen_id");
    HttpReply reply = atm.post("/v1/claims", body, freshKey());
    expectError(reply, 400, "missing_field");
    body = claimant(citizens().plain).claimJson();
    body.erase("amount");
    expectError(atm.post("/v1/claims", body, freshKey()), 400, "missing_field");
    // The Idempotency-Key header is required on state changes.
    expectError(hold(atm, claimant(citizens().plain), std::nullopt), 400, "missing_field");
    const std::string claim_id = holdOk(claimant(citizens().plain2));
    const std::int64_t events = eventCount();
    expectError(atm.post("/v1/claims/" + claim_id + "/commit", nlohmann::json{{"amount", 6000}},
                         freshKey()),
                400, "missing_field");
    EXPECT_EQ(eventCount(), events);
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "none");
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain2)), "held");
}

TEST_F(ApiErrorsTest, BadFieldIs400AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    nlohmann::json body = claimant(citizens().plain).claimJson();
    body["amount"] = "six thousand";
    expectError(atm.post("/v1/claims", body, freshKey()), 400, "bad_field");
    body = claimant(citizens().plain).claimJson();
    body["channel"] = "teleport";
    expectError(atm.post("/v1/claims", body, freshKey()), 400, "bad_field");
    expectError(hold(atm, claimant(citizens().plain), std::string("has space")), 400, "bad_field");
    expectError(hold(atm, claimant(citizens().plain), std::string(65, 'k')), 400, "bad_field");
    expectNothingChanged();
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "none");
}

TEST_F(ApiErrorsTest, ChannelMismatchIs403AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    expectError(hold(atm, claimant(citizens().plain, "kiosk")), 403, "channel_mismatch");
    expectError(eligibility(atm, claimant(citizens().plain, "counter")), 403, "channel_mismatch");
    expectNothingChanged();
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "none");
}

TEST_F(ApiErrorsTest, OperatorMismatchIs403AndChangesNothing) {
    const std::string claim_id = holdOk(claimant(citizens().plain));
    const std::int64_t events = eventCount();
    auto other_bank = gw_.client("atm-0002");
    expectError(other_bank.get("/v1/claims/" + claim_id), 403, "operator_mismatch");
    expectError(commit(other_bank, claim_id), 403, "operator_mismatch");
    expectError(voidClaim(other_bank, claim_id), 403, "operator_mismatch");
    EXPECT_EQ(eventCount(), events);
    auto owner = gw_.client("atm-0001");
    const HttpReply get = owner.get("/v1/claims/" + claim_id);
    ASSERT_EQ(get.status, 200) << get.describe();
    EXPECT_EQ(get.json["status"], "held");
}

TEST_F(ApiErrorsTest, UnknownProgramIs404AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    Claimant who = claimant(citizens().plain);
    who.program = "NOSUCH";
    expectError(hold(atm, who), 404, "unknown_program");
    expectError(eligibility(atm, who), 404, "unknown_program");
    expectNothingChanged();
}

TEST_F(ApiErrorsTest, UnknownClaimIs404AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    expectError(commit(atm, "c_aaaaaaaaaaaaaaaaaaaaaaaa"), 404, "unknown_claim");
    expectError(voidClaim(atm, "c_aaaaaaaaaaaaaaaaaaaaaaaa"), 404, "unknown_claim");
    expectError(atm.get("/v1/claims/c_aaaaaaaaaaaaaaaaaaaaaaaa"), 404, "unknown_claim");
    expectError(commit(atm, "0123456789"), 404, "unknown_claim");
    expectNothingChanged();
}

TEST_F(ApiErrorsTest, AlreadyClaimedIs409WithStatusChannelAndAt) {
    const std::string claim_id = holdOk(claimant(citizens().plain));
    const std::int64_t claims = claimCount();
    const std::int64_t events = eventCount();
    auto counter = gw_.client("counter-0001");
    HttpReply reply = hold(counter, claimant(citizens().plain, "counter"));
    expectError(reply, 409, "already_claimed");
    const auto& detail = reply.json["error"]["detail"];
    EXPECT_EQ(detail["status"], "held");
    EXPECT_EQ(detail["channel"], "atm");
    EXPECT_EQ(protocols::parseRfc3339Millis(detail["at"].get<std::string>()),
              std::optional<std::int64_t>(kStandardNowMillis));

    auto atm = gw_.client("atm-0001");
    gw_.clock().advanceMillis(5000);
    ASSERT_EQ(commit(atm, claim_id).status, 200);
    reply = hold(counter, claimant(citizens().plain, "counter"));
    expectError(reply, 409, "already_claimed");
    EXPECT_EQ(reply.json["error"]["detail"]["status"], "paid");
    EXPECT_EQ(protocols::parseRfc3339Millis(reply.json["error"]["detail"]["at"].get<std::string>()),
              std::optional<std::int64_t>(kStandardNowMillis + 5000));
    EXPECT_EQ(claimCount(), claims);
    EXPECT_EQ(eventCount(), events + 1);  // only the commit's event
    // Eligibility agrees, as a 200 "no".
    const HttpReply check = eligibility(counter, claimant(citizens().plain, "counter"));
    ASSERT_EQ(check.status, 200);
    EXPECT_EQ(check.json["eligible"], false);
    EXPECT_EQ(check.json["reason"], "already_claimed");
    EXPECT_EQ(check.json["claim"]["status"], "paid");
    EXPECT_EQ(check.json["claim"]["channel"], "atm");
}

TEST_F(ApiErrorsTest, InvalidTransitionIs409AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    const std::string paid = holdOk(claimant(citizens().plain));
    ASSERT_EQ(commit(atm, paid).status, 200);
    const std::string voided = holdOk(claimant(citizens().plain2));
    ASSERT_EQ(voidClaim(atm, voided).status, 200);
    const std::int64_t events = eventCount();
    HttpReply reply = voidClaim(atm, paid);
    expectError(reply, 409, "invalid_transition");
    EXPECT_EQ(reply.json["error"]["detail"]["status"], "paid");
    expectError(commit(atm, voided), 409, "invalid_transition");
    EXPECT_EQ(eventCount(), events);
    EXPECT_EQ(atm.get("/v1/claims/" + paid).json["status"], "paid");
    EXPECT_EQ(atm.get("/v1/claims/" + voided).json["status"], "voided");
}

TEST_F(ApiErrorsTest, RosterExclusionIs409Excluded) {
    auto atm = gw_.client("atm-0001");
    HttpReply reply = hold(atm, claimant(citizens().excluded));
    expectError(reply, 409, "excluded");
    EXPECT_EQ(reply.json["error"]["detail"]["reason"], "paid_by_direct_deposit");
    const HttpReply check = eligibility(atm, claimant(citizens().excluded));
    EXPECT_EQ(check.json["eligible"], false);
    EXPECT_EQ(check.json["reason"], "excluded");
    expectNothingChanged();
}

TEST_F(ApiErrorsTest, ProgramExcludesIs409Excluded) {
    auto atm = gw_.client("atm-0001");
    const std::string paid = holdOk(claimant(citizens().plain));
    ASSERT_EQ(commit(atm, paid).status, 200);
    const std::int64_t claims = claimCount();
    const std::int64_t events = eventCount();
    Claimant other = claimant(citizens().plain);
    other.program = kProgramExcluding;
    other.amount = 1000;
    HttpReply reply = hold(atm, other);
    expectError(reply, 409, "excluded");
    EXPECT_EQ(reply.json["error"]["detail"]["program"], kProgramMain);
    EXPECT_EQ(reply.json["error"]["detail"]["status"], "paid");
    EXPECT_EQ(claimCount(), claims);
    EXPECT_EQ(eventCount(), events);
    EXPECT_EQ(claimStatusOf(other), "none");
    // The read-only check says the same as the reservation.
    const HttpReply check = eligibility(atm, other);
    ASSERT_EQ(check.status, 200) << check.describe();
    EXPECT_EQ(check.json["eligible"], false) << check.describe();
    EXPECT_EQ(check.json["reason"], "excluded");
    // Somebody without a claim in the excluded program may claim.
    Claimant free = claimant(citizens().plain2);
    free.program = kProgramExcluding;
    free.amount = 1000;
    EXPECT_EQ(hold(atm, free).status, 201);
}

TEST_F(ApiErrorsTest, BodyTooLargeIs413AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    nlohmann::json body = claimant(citizens().plain).claimJson();
    body["padding"] = std::string(17 * 1024, 'x');
    expectError(atm.post("/v1/claims", body, freshKey()), 413, "body_too_large");
    // The oversized body was drained: the same keep-alive connection still works.
    expectError(atm.post("/v1/eligibility", body), 413, "body_too_large");
    EXPECT_EQ(atm.get("/v1/programs").status, 200);
    expectNothingChanged();
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "none");
}

TEST_F(ApiErrorsTest, InvalidCitizenIdIs422) {
    auto atm = gw_.client("atm-0001");
    expectError(hold(atm, claimant(badChecksumId(1000001))), 422, "invalid_citizen_id");
    expectError(hold(atm, claimant("A12345")), 422, "invalid_citizen_id");
    expectError(eligibility(atm, claimant("1234567890")), 422, "invalid_citizen_id");
    Claimant proxy = claimant(citizens().child_either, "counter");
    proxy.proxy_id = badChecksumId(1000006);
    auto counter = gw_.client("counter-0001");
    expectError(hold(counter, proxy), 422, "invalid_citizen_id");
    expectNothingChanged();
}

TEST_F(ApiErrorsTest, NhiCardMismatchIs422AtAtmAndKiosk) {
    auto atm = gw_.client("atm-0001");
    Claimant who = claimant(citizens().with_nhi);
    expectError(hold(atm, who), 422, "nhi_card_mismatch");  // no card number
    who.nhi_card_no = nhiCardNumber(4242);
    expectError(hold(atm, who), 422, "nhi_card_mismatch");
    auto kiosk = gw_.client("kiosk-0001");
    Claimant at_kiosk = who;
    at_kiosk.channel = "kiosk";
    expectError(hold(kiosk, at_kiosk), 422, "nhi_card_mismatch");
    // A counter needs no number but a wrong one given is still refused.
    auto counter = gw_.client("counter-0001");
    Claimant at_counter = who;
    at_counter.channel = "counter";
    expectError(hold(counter, at_counter), 422, "nhi_card_mismatch");
    expectNothingChanged();
    who.nhi_card_no = citizens().nhi;
    const HttpReply held = hold(atm, who);
    EXPECT_EQ(held.status, 201) << held.body;
}

TEST_F(ApiErrorsTest, NotEligibleIs422) {
    auto atm = gw_.client("atm-0001");
    expectError(hold(atm, claimant(citizens().not_on_roster)), 422, "not_eligible");
    const HttpReply check = eligibility(atm, claimant(citizens().not_on_roster));
    ASSERT_EQ(check.status, 200);
    EXPECT_EQ(check.json["eligible"], false);
    EXPECT_EQ(check.json["reason"], "not_eligible");
    expectNothingChanged();
}

TEST_F(ApiErrorsTest, ChannelNotAllowedIs422) {
    auto counter = gw_.client("counter-0001");
    Claimant who = claimant(citizens().plain, "counter");
    who.program = kProgramAtmOnly;
    who.amount = 500;
    expectError(hold(counter, who), 422, "channel_not_allowed");
    expectNothingChanged();
    // The program lists only what the channel may pay.
    const HttpReply programs = counter.get("/v1/programs");
    ASSERT_EQ(programs.status, 200);
    for (const auto& program : programs.json["programs"]) {
        EXPECT_NE(program["id"], kProgramAtmOnly);
    }
}

TEST_F(ApiErrorsTest, ProgramClosedIs422BeforeAndAfterTheWindow) {
    auto atm = gw_.client("atm-0001");
    gw_.clock().setMillis(*protocols::parseRfc3339Millis("2024-01-01T00:00:00+08:00"));
    expectError(hold(atm, claimant(citizens().plain)), 422, "program_closed");
    gw_.clock().setMillis(*protocols::parseRfc3339Millis("2023-04-09T23:59:59+08:00"));
    expectError(hold(atm, claimant(citizens().plain)), 422, "program_closed");
    EXPECT_EQ(atm.get("/v1/programs").json["programs"].size(), 0U);
    expectNothingChanged();
    gw_.clock().setMillis(kStandardNowMillis);
    EXPECT_EQ(hold(atm, claimant(citizens().plain)).status, 201);
}

TEST_F(ApiErrorsTest, ProxyRequiredIs422) {
    auto counter = gw_.client("counter-0001");
    expectError(hold(counter, claimant(citizens().child_proxy, "counter")), 422, "proxy_required");
    expectNothingChanged();
    Claimant with_parent = claimant(citizens().child_proxy, "counter");
    with_parent.proxy_id = citizens().parent;
    EXPECT_EQ(hold(counter, with_parent).status, 201);
}

TEST_F(ApiErrorsTest, ProxyNotAllowedIs422) {
    auto counter = gw_.client("counter-0001");
    Claimant self_only = claimant(citizens().plain, "counter");
    self_only.proxy_id = citizens().parent;
    expectError(hold(counter, self_only), 422, "proxy_not_allowed");
    Claimant stranger = claimant(citizens().child_either, "counter");
    stranger.proxy_id = citizens().stranger_proxy;
    expectError(hold(counter, stranger), 422, "proxy_not_allowed");
    expectNothingChanged();
    EXPECT_EQ(hold(counter, claimant(citizens().child_either, "counter")).status, 201);
}

TEST_F(ApiErrorsTest, AmountMismatchIs422OnHoldAndCommit) {
    auto atm = gw_.client("atm-0001");
    Claimant who = claimant(citizens().plain);
    who.amount = 5000;
    HttpReply reply = hold(atm, who);
    expectError(reply, 422, "amount_mismatch");
    EXPECT_EQ(reply.json["error"]["detail"]["expected"], 6000);
    Claimant custom = claimant(citizens().custom_amount);
    reply = hold(atm, custom);
    expectError(reply, 422, "amount_mismatch");
    EXPECT_EQ(reply.json["error"]["detail"]["expected"], 3000);
    expectNothingChanged();
    custom.amount = 3000;
    reply = hold(atm, custom);
    ASSERT_EQ(reply.status, 201) << reply.describe();
    const std::string claim_id = reply.json["claim_id"];
    const std::int64_t events = eventCount();
    expectError(commit(atm, claim_id, 6000), 422, "amount_mismatch");
    EXPECT_EQ(eventCount(), events);
    EXPECT_EQ(atm.get("/v1/claims/" + claim_id).json["status"], "held");
    EXPECT_EQ(commit(atm, claim_id, 3000).status, 200);
}

TEST_F(ApiErrorsTest, UnknownEndpointAndMethod) {
    auto atm = gw_.client("atm-0001");
    EXPECT_EQ(atm.get("/v1/nothing").status, 404);
    EXPECT_EQ(atm.get("/v1/claims").status, 405);
    expectNothingChanged();
}

std::int64_t metricValue(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + name.size() + 2));
}

class OverloadTest : public GatewayApiTest {
protected:
    OverloadTest() : GatewayApiTest(overloadOptions()) {}
    static InProcessGatewayOptions overloadOptions() {
        InProcessGatewayOptions options;
        options.queue_depth_max = 1;
        options.commit_batch_max = 1;
        return options;
    }
};

TEST_F(OverloadTest, FullLedgerQueueIs429WithRetryAfterAndChangesNothing) {
    const std::int64_t events = eventCount();
    LedgerWriteLock lock(gw_.ledgerPath());
    // Three housekeeping ops bypass the bound; with the writer stuck on the first (batch of
    // one), at least two stay queued, so the queue is at its bound of one until we unlock.
    std::vector<std::thread> sweeps;
    for (int i = 0; i < 3; ++i) {
        sweeps.emplace_back([this] { (void)gw_.runtime().service().sweepNow(); });
    }
    auto admin = gw_.admin();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::int64_t depth = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        depth = metricValue(admin.get("/metrics").body, "claimgate_ledger_queue_depth");
        if (depth >= 2) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GE(depth, 2);
    auto atm = gw_.client("atm-0001");
    const HttpReply reply = hold(atm, claimant(citizens().plain));
    EXPECT_EQ(reply.status, 429) << reply.describe();
    EXPECT_EQ(reply.code(), "overloaded");
    EXPECT_FALSE(reply.header("retry-after").empty());
    lock.release();
    for (auto& sweep : sweeps) sweep.join();
    EXPECT_EQ(eventCount(), events);
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "none");
    // And once the queue drained, the same request goes through.
    EXPECT_EQ(hold(atm, claimant(citizens().plain)).status, 201);
}

}  // namespace
}  // namespace claimgate::testing
