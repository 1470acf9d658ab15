// Which gateway answers end an advice, and the sender's backoff bounds.
#include "advice_policy.hpp"

#include "sdk_limits.hpp"

#include <gtest/gtest.h>

namespace claimgate::sdk {
namespace {

HttpReply reply(int status) { return HttpReply{status, "", ""}; }

TEST(AdvicePolicyTest, SuccessAndReplayAcknowledge) {
    EXPECT_EQ(classifyAdviceReply(reply(200), ""), AdviceVerdict::acknowledged);
    EXPECT_EQ(classifyAdviceReply(reply(201), ""), AdviceVerdict::acknowledged);
}

TEST(AdvicePolicyTest, TransientAnswersRetry) {
    EXPECT_EQ(classifyAdviceReply(reply(0), ""), AdviceVerdict::retry);
    EXPECT_EQ(classifyAdviceReply(reply(429), "overloaded"), AdviceVerdict::retry);
    EXPECT_EQ(classifyAdviceReply(reply(503), "not_ready"), AdviceVerdict::retry);
    EXPECT_EQ(classifyAdviceReply(reply(500), "internal"), AdviceVerdict::retry);
    EXPECT_EQ(classifyAdviceReply(reply(409), "claim_in_progress"), AdviceVerdict::retry);
    EXPECT_EQ(classifyAdviceReply(reply(403), "terminal_revoked"), AdviceVerdict::retry);
}

TEST(AdvicePolicyTest, DefinitiveRefusalsEndTheAdvice) {
    EXPECT_EQ(classifyAdviceReply(reply(409), "invalid_transition"), AdviceVerdict::ended);
    EXPECT_EQ(classifyAdviceReply(reply(404), "unknown_claim"), AdviceVerdict::ended);
    EXPECT_EQ(classifyAdviceReply(reply(422), "amount_mismatch"), AdviceVerdict::ended);
    EXPECT_EQ(classifyAdviceReply(reply(409), "idempotency_key_reused"), AdviceVerdict::ended);
}

TEST(AdvicePolicyTest, ErrorCodeIsReadFromEnvelope) {
    EXPECT_EQ(errorCodeOf(R"({"error":{"code":"invalid_transition","message":"x"}})"),
              "invalid_transition");
    EXPECT_EQ(errorCodeOf("not json"), "");
    EXPECT_EQ(errorCodeOf(R"({"claim_id":"c_1"})"), "");
}

TEST(AdvicePolicyTest, BackoffGrowsIsCappedAndJittered) {
    EXPECT_GE(backoffMilliseconds(1, 0.0), kSenderBackoffInitialMilliseconds / 2);
    EXPECT_LE(backoffMilliseconds(1, 1.0), kSenderBackoffInitialMilliseconds);
    EXPECT_GT(backoffMilliseconds(4, 0.0), backoffMilliseconds(1, 1.0));
    for (std::int64_t attempts : {10, 50, 1000, 1'000'000}) {
        EXPECT_LE(backoffMilliseconds(attempts, 1.0), kSenderBackoffMaxMilliseconds);
        EXPECT_GE(backoffMilliseconds(attempts, 0.0), kSenderBackoffMaxMilliseconds / 2);
    }
    EXPECT_NE(backoffMilliseconds(8, 0.1), backoffMilliseconds(8, 0.9));
}

}  // namespace
}  // namespace claimgate::sdk
