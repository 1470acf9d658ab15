// Terminal authentication (mTLS, CRL, certificate subject rules), the admin listener's health
// and Prometheus metrics, and the signed commit receipt (contracts §5, §10, invariant 6).
#include "gateway_api_fixture.hpp"

#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/time_format.hpp>

#include "test_pki.hpp"
#include <claimgate/gateway/claim_reply_renderer.hpp>
#include <claimgate/gateway/claim_service.hpp>

#include <set>

namespace claimgate::testing {
namespace {

using MtlsTest = GatewayApiTest;

TEST_F(MtlsTest, NoClientCertificateIsRefused) {
    auto anonymous = GatewayTestClient::withoutCertificate(gw_.apiPort());
    const HttpReply reply = anonymous.get("/v1/programs");
    // VERIFY_STRICT refuses the handshake (or, with TLS 1.3, the first read).
    EXPECT_NE(reply.status, 200) << reply.describe();
    if (reply.status != 0) {
        EXPECT_EQ(reply.status, 403);
    }
}

TEST_F(MtlsTest, CertificateOfAnUnknownCaIsRefused) {
    auto stranger = GatewayTestClient::untrusted(gw_.apiPort());
    const HttpReply reply =
        stranger.post("/v1/claims", claimant(citizens().plain).claimJson(), freshKey());
    EXPECT_EQ(reply.status, 0) << reply.describe();
    EXPECT_EQ(claimCount(), 0);
}

TEST_F(MtlsTest, RevokedCertificateIs403TerminalRevoked) {
    auto revoked = gw_.client("revoked-0001");
    const HttpReply reply =
        revoked.post("/v1/claims", claimant(citizens().plain).claimJson(), freshKey());
    EXPECT_EQ(reply.status, 403) << reply.describe();
    EXPECT_EQ(reply.code(), "terminal_revoked");
    const HttpReply second = revoked.get("/v1/programs");
    EXPECT_EQ(second.code(), "terminal_revoked") << second.describe();
    EXPECT_EQ(claimCount(), 0);
}

TEST_F(MtlsTest, TerminalActsOnlyWithinItsChannelAndOperator) {
    auto counter = gw_.client("counter-0001");
    EXPECT_EQ(hold(counter, claimant(citizens().plain, "atm")).code(), "channel_mismatch");
    const std::string id = holdOk(claimant(citizens().plain));  // atm-0001, BANK004
    EXPECT_EQ(commit(counter, id).code(), "operator_mismatch");
    auto pos = gw_.client("pos-0001");
    EXPECT_EQ(voidClaim(pos, id).code(), "operator_mismatch");
    auto atm = gw_.client("atm-0001");
    EXPECT_EQ(atm.get("/v1/claims/" + id).json["status"], "held");
}

TEST_F(MtlsTest, ProgramsListIsFilteredByChannel) {
    auto atm = gw_.client("atm-0001");
    const HttpReply reply = atm.get("/v1/programs");
    ASSERT_EQ(reply.status, 200) << reply.describe();
    std::set<std::string> ids;
    for (const auto& program : reply.json["programs"]) ids.insert(program["id"]);
    EXPECT_EQ(ids, (std::set<std::string>{kProgramAtmOnly, kProgramMain, kProgramExcluding}));
}

using AdminTest = GatewayApiTest;

std::int64_t sampleValue(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + series.size() + 2));
}

TEST_F(AdminTest, HealthAndReadinessAnswer200) {
    auto admin = gw_.admin();
    const HttpReply health = admin.get("/healthz");
    EXPECT_EQ(health.status, 200) << health.describe();
    const HttpReply ready = admin.get("/readyz");
    EXPECT_EQ(ready.status, 200) << ready.describe();
    EXPECT_EQ(admin.get("/nothing").status, 404);
}

TEST_F(AdminTest, MetricsCountRequestsLatencyBatchesAndInDoubt) {
    auto atm = gw_.client("atm-0001");
    const std::string id = holdOk(claimant(citizens().plain));
    ASSERT_EQ(commit(atm, id).status, 200);
    (void)holdOk(claimant(citizens().plain2));
    EXPECT_EQ(hold(atm, claimant(citizens().not_on_roster)).status, 422);
    EXPECT_EQ(eligibility(atm, claimant(citizens().plain)).status, 200);
    gw_.clock().advanceMillis(200'000);
    (void)gw_.runtime().service().sweepNow();

    auto admin = gw_.admin();
    const HttpReply metrics = admin.get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.header("content-type").find("text/plain"), std::string::npos);
    const std::string& text = metrics.body;
    EXPECT_EQ(sampleValue(text, R"(claimgate_requests_total{route="claim_hold",status="201"})"), 2)
        << text;
    EXPECT_EQ(sampleValue(text, R"(claimgate_requests_total{route="claim_hold",status="422"})"), 1);
    EXPECT_EQ(sampleValue(text, R"(claimgate_requests_total{route="claim_commit",status="200"})"),
              1);
    EXPECT_GE(sampleValue(text, R"(claimgate_requests_total{route="eligibility",status="200"})"),
              1);
    EXPECT_EQ(sampleValue(text, R"(claimgate_request_duration_seconds_count{route="claim_hold"})"),
              3);
    EXPECT_EQ(
        sampleValue(text,
                    R"(claimgate_request_duration_seconds_bucket{route="claim_hold",le="+Inf"})"),
        3);
    EXPECT_NE(text.find("# TYPE claimgate_request_duration_seconds histogram"), std::string::npos);
    EXPECT_NE(text.find("# TYPE claimgate_ledger_batch_size histogram"), std::string::npos);
    EXPECT_GE(sampleValue(text, "claimgate_ledger_batch_size_count"), 4);
    EXPECT_GE(sampleValue(text, R"(claimgate_ledger_batch_size_bucket{le="+Inf"})"), 4);
    EXPECT_EQ(sampleValue(text, "claimgate_claims_in_doubt"), 1);
    EXPECT_EQ(sampleValue(text, "claimgate_ledger_queue_depth"), 0);
    EXPECT_EQ(sampleValue(text, "claimgate_ledger_rerun_batches_total"), 0);
}

using ReceiptTest = GatewayApiTest;

TEST_F(ReceiptTest, CommitReceiptVerifiesWithTheReceiptCertificate) {
    auto atm = gw_.client("atm-0001");
    const std::string id = holdOk(claimant(citizens().plain));
    gw_.clock().advanceMillis(3'000);
    const HttpReply paid = commit(atm, id);
    ASSERT_EQ(paid.status, 200) << paid.describe();
    nlohmann::json receipt = paid.json["receipt"];
    ASSERT_TRUE(receipt.is_object());
    EXPECT_EQ(receipt["claim_id"], id);
    EXPECT_EQ(receipt["program"], kProgramMain);
    EXPECT_EQ(receipt["amount"], 6000);
    EXPECT_EQ(receipt["channel"], "atm");
    EXPECT_EQ(receipt["terminal_id"], "atm-0001");
    const std::string& citizen = citizens().plain;
    EXPECT_EQ(receipt["citizen_mask"],
              citizen.substr(0, 3) + "*****" + citizen.substr(citizen.size() - 2));
    const std::string sig = receipt["sig"];
    receipt.erase("sig");
    // key_id names the verifying certificate; it is outside the signed payload.
    ASSERT_TRUE(receipt.contains("key_id"));
    EXPECT_FALSE(receipt["key_id"].get<std::string>().empty());
    receipt.erase("key_id");
    // The canonical payload is nlohmann's sorted dump; it must equal the renderer's own.
    gateway::ClaimRecord record;
    record.claim_id = id;
    record.program = kProgramMain;
    record.amount = 6000;
    record.channel = protocols::Channel::atm;
    record.terminal_id = "atm-0001";
    record.paid_at = kStandardNowMillis + 3'000;
    record.citizen_mask = receipt["citizen_mask"];
    const std::string payload = receipt.dump();
    EXPECT_EQ(payload, gateway::ClaimReplyRenderer::receiptPayload(record));
    auto verifier = protocols::EcdsaVerifier::fromPemFile(TestPki::shared().receiptPem());
    ASSERT_TRUE(verifier) << verifier.status().message();
    EXPECT_TRUE(verifier.value()->verifyBase64(payload, sig));
    // A tampered receipt fails.
    receipt["amount"] = 60000;
    EXPECT_FALSE(verifier.value()->verifyBase64(receipt.dump(), sig));
}

}  // namespace
}  // namespace claimgate::testing

namespace claimgate::testing {
namespace {

InProcessGatewayOptions benchOptions(const std::string& listen) {
    InProcessGatewayOptions options;
    options.bench_http_listen = listen;
    options.bench_terminal = gateway::TerminalIdentity{
        "atm-0001", "BANK004", protocols::Channel::atm, protocols::TerminalRole::atm};
    return options;
}

class BenchListenerTest : public GatewayApiTest {
protected:
    BenchListenerTest() : GatewayApiTest(benchOptions("127.0.0.1:0")) {}
};

TEST_F(BenchListenerTest, LoopbackBenchListenerActsAsItsConfiguredTerminal) {
    ASSERT_NE(gw_.runtime().benchPort(), 0);
    auto bench = GatewayTestClient::plain(gw_.runtime().benchPort());
    const HttpReply held = hold(bench, claimant(citizens().plain));
    ASSERT_EQ(held.status, 201) << held.describe();
    // The same claim, seen over mTLS by the real terminal of that operator.
    auto atm = gw_.client("atm-0001");
    const HttpReply get = atm.get("/v1/claims/" + held.json["claim_id"].get<std::string>());
    EXPECT_EQ(get.json["status"], "held");
    EXPECT_EQ(get.json["terminal_id"], "atm-0001");
    // Its identity is fixed: another channel is refused like any terminal's would be.
    EXPECT_EQ(hold(bench, claimant(citizens().plain2, "counter")).code(), "channel_mismatch");
}

TEST(BenchListenerRefusalTest, NonLoopbackBenchAddressIsRefused) {
    EXPECT_THROW(InProcessGateway gateway(benchOptions("0.0.0.0:0")), std::runtime_error);
}

TEST_F(MtlsTest, EligibilityAnswersAmountCurrencyAndClaimState) {
    auto atm = gw_.client("atm-0001");
    HttpReply reply = eligibility(atm, claimant(citizens().custom_amount));
    ASSERT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json["eligible"], true);
    EXPECT_EQ(reply.json["amount"], 3000);
    EXPECT_EQ(reply.json["currency"], "TWD");
    EXPECT_EQ(reply.json["claim"]["status"], "none");
    EXPECT_FALSE(reply.json.contains("reason"));
    Claimant child = claimant(citizens().child_proxy, "counter");
    auto counter = gw_.client("counter-0001");
    reply = eligibility(counter, child);
    EXPECT_EQ(reply.json["eligible"], false);
    EXPECT_EQ(reply.json["reason"], "proxy_required");
    child.proxy_id = citizens().parent;
    EXPECT_EQ(eligibility(counter, child).json["eligible"], true);
}

// Dispense time over real mTLS (contracts §5, §6): the commit's dispensed_at is kept beside the
// gateway's paid_at and shown by GET; an implausible one is kept too, and counted.
using DispenseTimeTest = GatewayApiTest;

TEST_F(DispenseTimeTest, CommitWithADispenseTimeIsReadBackBesidePaidAt) {
    auto atm = gw_.client("atm-0001");
    const std::int64_t held_at = gw_.clock().nowMillis();
    const std::string id = holdOk(claimant(citizens().plain));
    gw_.clock().advanceMillis(3'000);
    const std::string dispensed_at = protocols::formatRfc3339Millis(held_at + 2'000);
    const HttpReply paid = atm.post(
        "/v1/claims/" + id + "/commit",
        nlohmann::json{{"amount", 6000}, {"terminal_ref", "T-7"}, {"dispensed_at", dispensed_at}},
        freshKey("commit"));
    ASSERT_EQ(paid.status, 200) << paid.describe();
    const HttpReply read = atm.get("/v1/claims/" + id);
    ASSERT_EQ(read.status, 200) << read.describe();
    EXPECT_EQ(read.json["status"], "paid");
    EXPECT_EQ(read.json["dispensed_at"], dispensed_at);
    EXPECT_EQ(read.json["paid_at"], protocols::formatRfc3339Millis(held_at + 3'000));

    // Ten minutes ahead of the gateway's clock: stored as sent (the cash is out), counted.
    const std::string other = holdOk(claimant(citizens().plain2));
    const std::string ahead = protocols::formatRfc3339Millis(gw_.clock().nowMillis() + 600'000);
    const HttpReply late =
        atm.post("/v1/claims/" + other + "/commit",
                 nlohmann::json{{"amount", 6000}, {"terminal_ref", "T-8"}, {"dispensed_at", ahead}},
                 freshKey("commit"));
    ASSERT_EQ(late.status, 200) << late.describe();
    EXPECT_EQ(atm.get("/v1/claims/" + other).json["dispensed_at"], ahead);
    const HttpReply metrics = gw_.admin().get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_EQ(sampleValue(metrics.body, "claimgate_dispense_time_implausible_total"), 1)
        << metrics.body;

    // Not a time: refused before anything is written.
    const std::string third = holdOk(claimant(citizens().parent));
    const HttpReply garbage = atm.post(
        "/v1/claims/" + third + "/commit",
        nlohmann::json{{"amount", 6000}, {"terminal_ref", "T-9"}, {"dispensed_at", "yesterday"}},
        freshKey("commit"));
    EXPECT_EQ(garbage.status, 400) << garbage.describe();
    EXPECT_EQ(atm.get("/v1/claims/" + third).json["status"], "held");
}

}  // namespace
}  // namespace claimgate::testing
