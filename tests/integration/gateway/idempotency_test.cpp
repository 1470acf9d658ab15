// Idempotency (contracts invariant 3): replay = same status and byte-identical body; same key with
// another body = 409 idempotency_key_reused and nothing changes; keys are scoped per operator.
#include "gateway_api_fixture.hpp"

#include <claimgate/protocols/time_format.hpp>

namespace claimgate::testing {
namespace {

using IdempotencyTest = GatewayApiTest;

TEST_F(IdempotencyTest, HoldReplayIsByteIdentical) {
    auto atm = gw_.client("atm-0001");
    const Claimant who = claimant(citizens().plain);
    const HttpReply first = hold(atm, who, std::string("hold-1"));
    ASSERT_EQ(first.status, 201) << first.describe();
    const std::int64_t claims = claimCount();
    const std::int64_t events = eventCount();
    gw_.clock().advanceMillis(1000);  // a replay must not re-render with a new time
    const HttpReply replay = hold(atm, who, std::string("hold-1"));
    EXPECT_EQ(replay.status, first.status);
    EXPECT_EQ(replay.body, first.body);
    auto other_connection = gw_.client("atm-0001");
    EXPECT_EQ(hold(other_connection, who, std::string("hold-1")).body, first.body);
    EXPECT_EQ(claimCount(), claims);
    EXPECT_EQ(eventCount(), events);
}

TEST_F(IdempotencyTest, HoldReplayAfterTheProgramClosedReturnsTheStoredReply) {
    auto atm = gw_.client("atm-0001");
    const Claimant who = claimant(citizens().plain);
    const HttpReply first = hold(atm, who, std::string("hold-late"));
    ASSERT_EQ(first.status, 201) << first.describe();
    const std::int64_t events = eventCount();
    // The program window ends (2023-12-31): a fresh request is refused by the rules...
    gw_.clock().setMillis(*protocols::parseRfc3339Millis("2024-01-02T00:00:00+08:00"));
    EXPECT_EQ(hold(atm, claimant(citizens().plain2)).code(), "program_closed");
    // ...but the retry of the hold that succeeded gets its stored reply, byte for byte: the key
    // is looked up before anything is re-evaluated (contracts invariant 3).
    const HttpReply replay = hold(atm, who, std::string("hold-late"));
    EXPECT_EQ(replay.status, 201) << replay.describe();
    EXPECT_EQ(replay.body, first.body);
    // The same key for another request is still key_reused, not the rules' refusal.
    EXPECT_EQ(hold(atm, claimant(citizens().plain2), std::string("hold-late")).code(),
              "idempotency_key_reused");
    EXPECT_EQ(eventCount(), events);
}

TEST_F(IdempotencyTest, ErrorRepliesFromTheLedgerReplayToo) {
    const std::string claim_id = holdOk(claimant(citizens().plain));
    auto counter = gw_.client("counter-0001");
    const HttpReply refused =
        hold(counter, claimant(citizens().plain, "counter"), std::string("counter-1"));
    ASSERT_EQ(refused.code(), "already_claimed");
    auto atm = gw_.client("atm-0001");
    ASSERT_EQ(voidClaim(atm, claim_id).status, 200);
    // The citizen is free now, but the key's answer is fixed.
    const HttpReply replay =
        hold(counter, claimant(citizens().plain, "counter"), std::string("counter-1"));
    EXPECT_EQ(replay.status, 409);
    EXPECT_EQ(replay.body, refused.body);
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain)), "voided");
    EXPECT_EQ(hold(counter, claimant(citizens().plain, "counter")).status, 201);
}

TEST_F(IdempotencyTest, CommitAndVoidReplayAreByteIdentical) {
    auto atm = gw_.client("atm-0001");
    const std::string paid = holdOk(claimant(citizens().plain));
    const HttpReply commit1 = commit(atm, paid, 6000, "T-9", std::string("c-1"));
    ASSERT_EQ(commit1.status, 200) << commit1.describe();
    const std::int64_t events = eventCount();
    gw_.clock().advanceMillis(60000);
    const HttpReply commit2 = commit(atm, paid, 6000, "T-9", std::string("c-1"));
    EXPECT_EQ(commit2.status, 200);
    EXPECT_EQ(commit2.body, commit1.body);
    const std::string voided = holdOk(claimant(citizens().plain2));
    const HttpReply void1 = voidClaim(atm, voided, "no cash", std::string("v-1"));
    ASSERT_EQ(void1.status, 200);
    const HttpReply void2 = voidClaim(atm, voided, "no cash", std::string("v-1"));
    EXPECT_EQ(void2.body, void1.body);
    EXPECT_EQ(eventCount(), events + 2);  // hold + void of the second claim only
}

TEST_F(IdempotencyTest, KeyReusedWithAnotherBodyIs409AndChangesNothing) {
    auto atm = gw_.client("atm-0001");
    ASSERT_EQ(hold(atm, claimant(citizens().plain), std::string("k-1")).status, 201);
    const std::int64_t claims = claimCount();
    const std::int64_t events = eventCount();
    const HttpReply reused = hold(atm, claimant(citizens().plain2), std::string("k-1"));
    EXPECT_EQ(reused.status, 409) << reused.describe();
    EXPECT_EQ(reused.code(), "idempotency_key_reused");
    EXPECT_EQ(claimCount(), claims);
    EXPECT_EQ(eventCount(), events);
    EXPECT_EQ(claimStatusOf(claimant(citizens().plain2)), "none");
    // The same key on another route is another request too.
    Claimant custom = claimant(citizens().custom_amount);
    custom.amount = 3000;
    const std::string claim_id = holdOk(custom);
    const HttpReply on_commit = commit(atm, claim_id, 3000, "T-1", std::string("k-1"));
    EXPECT_EQ(on_commit.code(), "idempotency_key_reused") << on_commit.describe();
    // A commit key reused with another amount or terminal_ref.
    ASSERT_EQ(commit(atm, claim_id, 3000, "T-1", std::string("k-2")).status, 200);
    EXPECT_EQ(commit(atm, claim_id, 3000, "T-2", std::string("k-2")).code(),
              "idempotency_key_reused");
}

TEST_F(IdempotencyTest, KeysAreScopedPerOperator) {
    auto bank4 = gw_.client("atm-0001");
    auto bank5 = gw_.client("atm-0002");
    const HttpReply a = hold(bank4, claimant(citizens().plain), std::string("shared-key"));
    ASSERT_EQ(a.status, 201) << a.describe();
    // Same key at another bank, another citizen: a fresh request, not a reuse.
    const HttpReply b = hold(bank5, claimant(citizens().plain2), std::string("shared-key"));
    ASSERT_EQ(b.status, 201) << b.describe();
    EXPECT_NE(a.json["claim_id"], b.json["claim_id"]);
    // Same key and same body at both banks: the second bank gets its own decision
    // (already_claimed), never the first bank's stored 201.
    const HttpReply c1 = hold(bank4, claimant(citizens().child_either), std::string("same"));
    ASSERT_EQ(c1.status, 201) << c1.describe();
    const HttpReply c2 = hold(bank5, claimant(citizens().child_either), std::string("same"));
    EXPECT_EQ(c2.code(), "already_claimed") << c2.describe();
    // Each bank's replay still returns its own answer.
    EXPECT_EQ(hold(bank4, claimant(citizens().plain), std::string("shared-key")).body, a.body);
    EXPECT_EQ(hold(bank5, claimant(citizens().plain2), std::string("shared-key")).body, b.body);
}

}  // namespace
}  // namespace claimgate::testing
