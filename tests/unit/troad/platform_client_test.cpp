// PlatformClient over a mocked transport: requests it builds, signatures it demands, failures it
// classifies, exchanges it logs.
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/xroad_id.hpp>
#include <claimgate/troad/platform_client.hpp>
#include <claimgate/troad/poco_troad_transport.hpp>
#include <claimgate/troad/troad_failure.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mocks/mock_troad_transport.hpp"
#include "troad_test_files.hpp"

#include <set>

namespace claimgate::troad {
namespace {

using protocols::ErrorCode;
using protocols::XroadRequest;
using protocols::XroadResponse;
using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;

const char* kProgramJson =
    R"({"id":"CASH2023","name":"x","amount":6000,"currency":"TWD","channels":["atm"],)"
    R"("opens_at":"2023-04-10T00:00:00+08:00","closes_at":"2023-12-31T23:59:59+08:00",)"
    R"("hold_ttl_s":120,"kiosk_hold_ttl_s":1800,"excludes":[]})";

class PlatformClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        testing::writeKeyPair(dir_.file("platform"));
        testing::writeKeyPair(dir_.file("gateway"));
        platform_signer_ = protocols::EcdsaSigner::fromPemFile(dir_.file("platform.key")).value();
        gateway_verifier_ = protocols::EcdsaVerifier::fromPemFile(dir_.file("gateway.pub")).value();
        PlatformClientConfig config;
        config.client = protocols::XroadClientId::parse(kDefaultGatewayClientId).value();
        config.platform_verifier =
            protocols::EcdsaVerifier::fromPemFile(dir_.file("platform.pub")).value();
        config.gateway_signer =
            protocols::EcdsaSigner::fromPemFile(dir_.file("gateway.key")).value();
        log_ = TransferLog::open(dir_.file("transfer.log")).value();
        client_ = std::make_unique<PlatformClient>(transport_, std::move(config), log_);
    }

    XroadResponse signedResponse(const std::string& body, int status = 200) {
        XroadResponse response;
        response.status = status;
        response.body = body;
        response.headers.add("x-road-request-id", protocols::newXroadId());
        response.headers.add("x-road-request-hash", "aGFzaA==");
        response.headers.add("X-Claimgate-Signature", platform_signer_->signBase64(body));
        response.headers.add("X-Claimgate-Key-Id", kPlatformKeyId);
        return response;
    }

    testing::ScratchDir dir_;
    std::shared_ptr<StrictMock<testing::MockTroadTransport>> transport_ =
        std::make_shared<StrictMock<testing::MockTroadTransport>>();
    std::shared_ptr<protocols::EcdsaSigner> platform_signer_;
    std::shared_ptr<protocols::EcdsaVerifier> gateway_verifier_;
    std::shared_ptr<TransferLog> log_;
    std::unique_ptr<PlatformClient> client_;
};

TEST_F(PlatformClientTest, ListProgramsSendsXroadRequestAndVerifiesSignature) {
    XroadRequest seen;
    EXPECT_CALL(*transport_, send(_)).WillOnce(Invoke([&](const XroadRequest& request) {
        seen = request;
        return protocols::Result<XroadResponse>(
            signedResponse(std::string("[") + kProgramJson + "]"));
    }));
    auto reply = client_->listPrograms();
    ASSERT_TRUE(reply.ok()) << reply.status().message();
    ASSERT_EQ(reply->value.size(), 1U);
    EXPECT_EQ(reply->value[0].id, "CASH2023");
    EXPECT_TRUE(reply->signature.present);
    EXPECT_TRUE(reply->signature.verified);
    EXPECT_EQ(seen.method, "GET");
    EXPECT_EQ(seen.target, "/r1/TW/GOV/PLATFORM/disburse/programs");
    EXPECT_EQ(seen.headers.get("X-Road-Client"), "TW/GOV/CLAIMGATE/gateway");
    EXPECT_EQ(reply->exchange.x_road_id, seen.x_road_id);
    EXPECT_EQ(reply->exchange.service, "TW/GOV/PLATFORM/disburse/programs");
    EXPECT_EQ(log_->lastSeq(), 1U);
}

TEST_F(PlatformClientTest, UnsignedOrTamperedResponsesFailAsBadSignature) {
    XroadResponse unsigned_response;
    unsigned_response.status = 200;
    unsigned_response.body = "[]";
    XroadResponse tampered = signedResponse("[]");
    tampered.body = "[ ]";
    EXPECT_CALL(*transport_, send(_))
        .WillOnce(Return(protocols::Result<XroadResponse>(unsigned_response)))
        .WillOnce(Return(protocols::Result<XroadResponse>(tampered)));
    auto first = client_->listPrograms();
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(troadFailureOf(first.status()), TroadFailure::bad_signature);
    auto second = client_->listPrograms();
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(troadFailureOf(second.status()), TroadFailure::bad_signature);
    EXPECT_EQ(log_->lastSeq(), 2U);  // rejected exchanges are still evidence
}

TEST_F(PlatformClientTest, RosterPageRequestEncodesProgramAndCursor) {
    XroadRequest seen;
    const std::string body =
        R"({"program":"CASH 2023","cursor":"a/b","next_cursor":"10","done":false,"entries":[)"
        R"({"op":"add","citizen_id":"a123456789","nhi_card_no":"000012345678","amount":null,)"
        R"("proxies":["B120863158"],"claim_by":"either"},{"op":"remove","citizen_id":"A123456789"}]})";
    EXPECT_CALL(*transport_, send(_)).WillOnce(Invoke([&](const XroadRequest& request) {
        seen = request;
        return protocols::Result<XroadResponse>(signedResponse(body));
    }));
    auto page = client_->fetchRosterPage("CASH 2023", "a/b", 5000);
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_EQ(seen.target,
              "/r1/TW/GOV/PLATFORM/disburse/rosters/CASH%202023?cursor=a%2Fb&limit=5000");
    ASSERT_EQ(page->value.entries.size(), 2U);
    EXPECT_EQ(page->value.entries[0].citizen_id, "A123456789");
    EXPECT_EQ(page->value.entries[0].proxies, std::vector<std::string>{"B120863158"});
    EXPECT_EQ(page->value.entries[1].op, RosterOp::remove);
    EXPECT_FALSE(page->value.done);
    EXPECT_EQ(page->value.next_cursor, "10");
}

TEST_F(PlatformClientTest, PageLimitOutsideTheMaximumIsRefusedNotClamped) {
    EXPECT_CALL(*transport_, send(_)).Times(0);
    for (const std::size_t limit : {std::size_t{0}, std::size_t{5001}, std::size_t{100000}}) {
        auto roster = client_->fetchRosterPage("P", "", limit);
        ASSERT_FALSE(roster.ok()) << limit;
        EXPECT_EQ(roster.status().code(), protocols::ErrorCode::bad_field);
        auto payouts = client_->fetchPayoutPage("P", "", limit);
        ASSERT_FALSE(payouts.ok()) << limit;
        EXPECT_EQ(payouts.status().code(), protocols::ErrorCode::bad_field);
    }
}

TEST_F(PlatformClientTest, InvalidCitizenIdInPageFailsWithoutEchoingIt) {
    const std::string body =
        R"({"program":"P","cursor":"","next_cursor":"1","done":true,"entries":[)"
        R"({"op":"add","citizen_id":"A123456788"}]})";
    EXPECT_CALL(*transport_, send(_))
        .WillOnce(Return(protocols::Result<XroadResponse>(signedResponse(body))));
    auto page = client_->fetchRosterPage("P", "", 10);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(troadFailureOf(page.status()), TroadFailure::malformed_reply);
    EXPECT_EQ(page.status().message().find("A123456788"), std::string::npos);
    EXPECT_NE(page.status().message().find("entries[0]"), std::string::npos);
}

TEST_F(PlatformClientTest, XroadErrorInEitherSpellingIsRecognised) {
    for (const std::string type :
         {"Server.ServerProxy.AccessDenied", "server.serverproxy.access_denied"}) {
        XroadResponse response;
        response.status = 500;
        response.headers.add("X-Road-Error", type);
        response.body = R"({"type":")" + type + R"(","message":"denied","detail":"d"})";
        EXPECT_CALL(*transport_, send(_))
            .WillOnce(Return(protocols::Result<XroadResponse>(response)));
        auto reply = client_->fetchPayoutPage("CASH2023", "", 10);
        ASSERT_FALSE(reply.ok());
        EXPECT_EQ(troadFailureOf(reply.status()), TroadFailure::xroad_error);
        const protocols::XroadErrorType seen(
            reply.status().detail()["xroad_error_type"].get<std::string>());
        EXPECT_TRUE(seen.is(protocols::XroadErrorType::kAccessDenied));
    }
}

TEST_F(PlatformClientTest, PushSignsTheExactBodyAndReturnsReceipt) {
    ClaimBatch batch{"gw1-000001", "gw1", {}};
    batch.claims.push_back({"c1", "CASH2023", std::string(64, 'a'), "atm", "BANK004", "atm-0001",
                            "ref1", 6000, "paid", "2023-04-10T01:00:00.000Z",
                            "2023-04-10T01:00:05.000Z"});
    XroadRequest seen;
    EXPECT_CALL(*transport_, send(_)).WillOnce(Invoke([&](const XroadRequest& request) {
        seen = request;
        return protocols::Result<XroadResponse>(signedResponse(
            R"({"batch_id":"gw1-000001","accepted":1,"received_at":"2023-04-10T01:00:06.000Z",)"
            R"("batch_sha256":")" +
            std::string(64, 'b') + R"("})"));
    }));
    auto receipt = client_->pushClaimBatch(batch);
    ASSERT_TRUE(receipt.ok()) << receipt.status().message();
    EXPECT_EQ(receipt->value.accepted, 1);
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.target, "/r1/TW/GOV/PLATFORM/disburse/claims");
    EXPECT_EQ(seen.headers.get("X-Road-Issue"), "gw1-000001");
    EXPECT_EQ(seen.headers.get("X-Claimgate-Key-Id"), kGatewayKeyId);
    EXPECT_TRUE(gateway_verifier_->verifyBase64(
        seen.body, seen.headers.get("X-Claimgate-Signature").value_or("")));
    EXPECT_EQ(seen.body, batch.toJson().value());  // canonical: same batch, same bytes
    EXPECT_EQ(seen.body.find("citizen_id"), std::string::npos);
}

TEST_F(PlatformClientTest, BatchWithPlaintextIdInsteadOfKeyIsNeverSent) {
    ClaimBatch batch{"gw1-000002", "gw1", {}};
    batch.claims.push_back(
        {"c1", "CASH2023", "A123456789", "atm", "BANK004", "atm-0001", "r", 6000, "paid", "", ""});
    auto receipt = client_->pushClaimBatch(batch);  // StrictMock: any send() would fail
    ASSERT_FALSE(receipt.ok());
    EXPECT_EQ(troadFailureOf(receipt.status()), TroadFailure::bad_request);
}

TEST_F(PlatformClientTest, ReusedBatchIdIsIdempotencyKeyReused) {
    XroadResponse conflict;
    conflict.status = 409;
    conflict.body = R"({"error":{"code":"idempotency_key_reused","message":"other body"}})";
    EXPECT_CALL(*transport_, send(_)).WillOnce(Return(protocols::Result<XroadResponse>(conflict)));
    ClaimBatch batch{"gw1-000003", "gw1", {}};
    batch.claims.push_back(
        {"c1", "P", std::string(64, 'c'), "atm", "B", "t", "r", 1, "paid", "", ""});
    auto receipt = client_->pushClaimBatch(batch);
    ASSERT_FALSE(receipt.ok());
    EXPECT_EQ(receipt.status().code(), ErrorCode::idempotency_key_reused);
    EXPECT_EQ(troadFailureOf(receipt.status()), TroadFailure::platform_error);
}

TEST_F(PlatformClientTest, TransportFailureIsNotLoggedAndClassified) {
    EXPECT_CALL(*transport_, send(_))
        .WillOnce(Return(protocols::Result<XroadResponse>(
            protocols::Status{ErrorCode::not_ready, "connection refused"})));
    auto reply = client_->listPrograms();
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(troadFailureOf(reply.status()), TroadFailure::transport);
    EXPECT_EQ(log_->lastSeq(), 0U);
}

TEST_F(PlatformClientTest, EveryCallUsesAFreshXroadId) {
    std::set<std::string> ids;
    EXPECT_CALL(*transport_, send(_)).Times(5).WillRepeatedly(Invoke([&](const XroadRequest& r) {
        ids.insert(r.x_road_id);
        return protocols::Result<XroadResponse>(signedResponse("[]"));
    }));
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(client_->listPrograms().ok());
    }
    EXPECT_EQ(ids.size(), 5U);
}

TEST(TroadUrlTest, ParsesHttpsHostPortOnly) {
    auto endpoint = parseTroadUrl("https://127.0.0.1:8444");
    ASSERT_TRUE(endpoint.ok());
    EXPECT_EQ(endpoint->host, "127.0.0.1");
    EXPECT_EQ(endpoint->port, 8444);
    EXPECT_TRUE(parseTroadUrl("https://localhost:1/").ok());
    EXPECT_FALSE(parseTroadUrl("http://127.0.0.1:8444").ok());
    EXPECT_FALSE(parseTroadUrl("https://127.0.0.1").ok());
    EXPECT_FALSE(parseTroadUrl("https://127.0.0.1:0").ok());
    EXPECT_FALSE(parseTroadUrl("https://127.0.0.1:70000").ok());
    EXPECT_FALSE(parseTroadUrl("https://h:1/path").ok());
}

}  // namespace
}  // namespace claimgate::troad
