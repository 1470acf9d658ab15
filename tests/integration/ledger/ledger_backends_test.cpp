// One ledger suite, two backends: the same ClaimEngine + GroupCommitter scenarios run against
// SqliteLedgerStore (temp file) and PostgresLedgerStore (a fresh database on a throwaway
// server), so the PostgreSQL backend is held to exactly the SQLite contract: transitions,
// invariant 1 in the database, idempotency, TTL sweep, resolution, imported payouts, the hash
// chain (and its tamper detection), reply purging, event cursors, rosters, and a batch in which
// one operation hits a real database error and only that operation is undone. This is the only
// ledger suite: every case runs on both backends.
#include "ledger_test_helpers.hpp"
#include "poisoning_store.hpp"

#include <claimgate/gateway/claim_reply_renderer.hpp>
#include <claimgate/ledger/batch_runner.hpp>
#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/clock.hpp>
#include <claimgate/ledger/group_committer.hpp>
#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/limits.hpp>
#include <claimgate/ledger/postgres_ledger_store.hpp>
#include <claimgate/ledger/roster_row_source.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>
#include <claimgate/protocols/dispense_time.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/time_format.hpp>

#include "ledger_inspector.hpp"
#include "postgres_server.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

namespace claimgate::gateway::testing {
namespace {

using protocols::ClaimStatus;

enum class Backend { sqlite, postgresql };

std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::sqlite ? "sqlite" : "postgresql";
}

class LedgerBackendTest : public ::testing::TestWithParam<Backend> {
protected:
    LedgerBackendTest()
        : clock_(std::make_shared<ManualClock>(claimgate::testing::kStandardNowMillis)),
          renderer_(receiptSigner()),
          engine_(clock_, kRetentionMillis, renderer_) {}

    void SetUp() override {
        if (GetParam() == Backend::sqlite) {
            path_ = dir_.file("ledger.db");
            store_ = std::make_unique<SqliteLedgerStore>(path_);
        } else {
            uri_ = claimgate::testing::PostgresServer::shared().freshDatabase();
            store_ = std::make_unique<PostgresLedgerStore>(uri_);
        }
    }

    /// One operation through the ledger's batch driver, rendered as a terminal would see it.
    LedgerReply apply(const LedgerOperation& operation) {
        std::vector<LedgerReply> replies;
        const BatchResult result = runBatch(*store_, engine_, {&operation, 1}, replies);
        EXPECT_TRUE(result.committed) << result.error;
        LedgerReply reply = std::move(replies.at(0));
        if (reply.http_status == 0) {
            RenderedReply rendered = renderer_.render(reply);
            reply.http_status = rendered.http_status;
            reply.body = std::move(rendered.body);
        }
        return reply;
    }
    nlohmann::json applyJson(const LedgerOperation& operation, int expected_status) {
        const LedgerReply reply = apply(operation);
        EXPECT_EQ(reply.http_status, expected_status) << reply.body;
        return nlohmann::json::parse(reply.body);
    }
    static std::string errorCode(const LedgerReply& reply) {
        return nlohmann::json::parse(reply.body)["error"].value("code", "");
    }
    /// Raw SQL on the backend, behind the store's back (to tamper).
    void rawSql(const std::string& sql) {
        if (GetParam() == Backend::sqlite) {
            claimgate::testing::execSql(path_, sql);
        } else {
            claimgate::testing::pgQuery(uri_, sql);
        }
    }
    void dropAppendOnlyTriggers() {
        if (GetParam() == Backend::sqlite) {
            rawSql("DROP TRIGGER claim_events_no_update; DROP TRIGGER claim_events_no_delete;");
        } else {
            rawSql("DROP TRIGGER claim_events_no_change ON claim_events");
        }
    }
    /// claim_id -> status of every claim in the ledger.
    std::map<std::string, ClaimStatus> claimStatuses() {
        std::map<std::string, ClaimStatus> statuses;
        store_->forEachClaim([&](const ClaimRecord& row) {
            statuses[row.claim_id] = row.status;
            return true;
        });
        return statuses;
    }
    /// After an upgrade: every claim with its status, the file intact, the chain whole.
    void expectTheClaimsAndTheChainKept(const std::map<std::string, ClaimStatus>& before) {
        EXPECT_EQ(claimStatuses(), before);
        EXPECT_EQ(claimgate::testing::integrityCheck(path_), "ok");
        const auto chain = verifyChain(*store_);
        EXPECT_TRUE(chain.ok) << chain.problem;
    }
    /// The index, not only the engine's look-up, refuses a second blocking claim for `citizen`.
    void expectTheIndexRefusesASecondBlockingClaim(const std::string& citizen) {
        ClaimRecord twin = *store_->findBlockingClaim("CASH2023", keyFor(citizen));
        twin.claim_id = "c_twin";
        twin.claim_code = "9999999999";
        store_->begin();
        EXPECT_FALSE(store_->insertClaim(twin));
        store_->rollback();
    }
    /// Three claims: a held+paid, b held+voided, c held -> 5 events.
    void makeHistory() {
        const std::string a = applyJson(holdOf("a", "h-a"), 201)["claim_id"];
        applyJson(commitOf(a, "c-a"), 200);
        const std::string b = applyJson(holdOf("b", "h-b"), 201)["claim_id"];
        applyJson(voidOf(b, "v-b"), 200);
        applyJson(holdOf("c", "h-c"), 201);
    }

    claimgate::testing::TempDir dir_{"cg-ledger"};
    std::string path_;
    std::string uri_;
    static constexpr std::int64_t kRetentionMillis = 30LL * 24 * 3600 * 1000;
    std::unique_ptr<LedgerStore> store_;
    std::shared_ptr<ManualClock> clock_;
    ClaimReplyRenderer renderer_;
    ClaimEngine engine_;
};

TEST_P(LedgerBackendTest, HoldThenCommitWithASignedReceipt) {
    const auto held = applyJson(holdOf("a", "k1"), 201);
    const std::string id = held["claim_id"];
    EXPECT_EQ(store_->findClaim(id)->status, ClaimStatus::held);
    EXPECT_EQ(store_->findBlockingClaim("CASH2023", keyFor("a"))->claim_id, id);
    EXPECT_EQ(store_->findClaimByCode("BANK004", held["claim_code"])->claim_id, id);
    EXPECT_TRUE(store_->claimCodeExists("BANK004", held["claim_code"]));
    EXPECT_FALSE(store_->claimCodeExists("BANK005", held["claim_code"]));
    clock_->advanceMillis(1000);
    const LedgerReply paid = apply(commitOf(id, "k2"));
    ASSERT_EQ(paid.http_status, 200) << paid.body;
    const auto claim = store_->findClaim(id);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->status, ClaimStatus::paid);
    EXPECT_EQ(claim->paid_at,
              std::optional<std::int64_t>(claimgate::testing::kStandardNowMillis + 1000));
    EXPECT_EQ(claim->terminal_ref, std::optional<std::string>("REF"));
    auto receipt = nlohmann::json::parse(paid.body)["receipt"];
    const std::string sig = receipt["sig"];
    receipt.erase("sig");
    EXPECT_FALSE(receipt.value("key_id", std::string()).empty()) << "names its certificate";
    receipt.erase("key_id");  // not signed
    EXPECT_EQ(receipt.dump(), ClaimReplyRenderer::receiptPayload(*claim));
    auto verifier =
        protocols::EcdsaVerifier::fromPemFile(claimgate::testing::TestPki::shared().receiptPem());
    ASSERT_TRUE(verifier);
    EXPECT_TRUE(verifier.value()->verifyBase64(receipt.dump(), sig));
    EXPECT_EQ(store_->countClaims(ClaimStatus::paid), 1);
    EXPECT_EQ(verifyChain(*store_).events, 2);
}

TEST_P(LedgerBackendTest, HoldThenVoidFreesTheCitizen) {
    const std::string id = applyJson(holdOf("a", "k1"), 201)["claim_id"];
    EXPECT_EQ(applyJson(voidOf(id, "k2"), 200)["status"], "voided");
    EXPECT_FALSE(store_->findBlockingClaim("CASH2023", keyFor("a")));
    EXPECT_NE(applyJson(holdOf("a", "k3"), 201)["claim_id"], id);
    EXPECT_EQ(errorCode(apply(commitOf(id, "k4"))), "invalid_transition");
    EXPECT_EQ(store_->countClaims(ClaimStatus::voided), 1);
}

TEST_P(LedgerBackendTest, OneBlockingClaimPerCitizenInTheDatabase) {
    applyJson(holdOf("a", "k1"), 201);
    const LedgerReply second =
        apply(holdOf("a", "k2", {"counter-0001", "POST700", protocols::Channel::counter}));
    EXPECT_EQ(second.http_status, 409);
    EXPECT_EQ(errorCode(second), "already_claimed");
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), 1);
    // The unique index refuses a second blocking row without the engine, and the transaction
    // stays usable afterwards (PostgreSQL: ON CONFLICT DO NOTHING, no aborted transaction).
    ClaimRecord twin = *store_->findBlockingClaim("CASH2023", keyFor("a"));
    twin.claim_id = "c_twin";
    twin.claim_code = "9999999999";
    store_->begin();
    EXPECT_FALSE(store_->insertClaim(twin));
    EXPECT_FALSE(store_->findClaim("c_twin"));
    twin.citizen_key = keyFor("other");
    EXPECT_TRUE(store_->insertClaim(twin));
    store_->commit();
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), 2);
}

// The engine inserts first and reads only after a refusal, but excluded programs are read
// before the insert. A citizen blocked in the program and in one it excludes is answered with
// the program's own claim, as when nothing is excluded; blocked in the excluded one only, with
// that claim; and neither refusal leaves a claim row behind.
TEST_P(LedgerBackendTest, AHoldBlockedInItsProgramTooIsAlreadyClaimedNotExcluded) {
    const std::string own = applyJson(holdOf("a", "k-cash"), 201)["claim_id"];
    for (const char* citizen : {"a", "b"}) {
        HoldOperation bonus = holdOf(citizen, std::string("k-bonus-") + citizen);
        bonus.program = "BONUS2023";
        applyJson(bonus, 201);
    }
    HoldOperation both = holdOf("a", "k-both");
    both.excluded_programs = {"BONUS2023"};
    const LedgerReply claimed = apply(both);
    EXPECT_EQ(claimed.outcome, LedgerOutcome::already_claimed) << claimed.body;
    ASSERT_TRUE(claimed.claim);
    EXPECT_EQ(claimed.claim->claim_id, own);

    HoldOperation excluded_only = holdOf("b", "k-excluded");
    excluded_only.excluded_programs = {"BONUS2023"};
    const LedgerReply excluded = apply(excluded_only);
    EXPECT_EQ(excluded.outcome, LedgerOutcome::excluded) << excluded.body;
    ASSERT_TRUE(excluded.claim);
    EXPECT_EQ(excluded.claim->program, "BONUS2023");
    EXPECT_FALSE(store_->findBlockingClaim("CASH2023", keyFor("b")));
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), 3);
}

TEST_P(LedgerBackendTest, IdempotentReplayKeyReuseAndOperatorScope) {
    const LedgerReply first = apply(holdOf("a", "k1"));
    ASSERT_EQ(first.http_status, 201);
    const LedgerReply replay = apply(holdOf("a", "k1"));
    EXPECT_EQ(replay.http_status, first.http_status);
    EXPECT_EQ(replay.body, first.body);
    EXPECT_TRUE(replay.index_updates.empty());
    const LedgerReply reused = apply(holdOf("b", "k1"));
    EXPECT_EQ(reused.http_status, 409);
    EXPECT_EQ(errorCode(reused), "idempotency_key_reused");
    EXPECT_FALSE(store_->findBlockingClaim("CASH2023", keyFor("b")));
    const LedgerReply other_bank =
        apply(holdOf("b", "k1", {"atm-0002", "BANK005", protocols::Channel::atm}));
    EXPECT_EQ(other_bank.http_status, 201) << other_bank.body;
    EXPECT_EQ(verifyChain(*store_).events, 2);
}

TEST_P(LedgerBackendTest, TtlSweepThenLateCommitAndLateVoid) {
    const std::string a = applyJson(holdOf("a", "k1"), 201)["claim_id"];
    const std::string b = applyJson(holdOf("b", "k2"), 201)["claim_id"];
    clock_->advanceMillis(119'000);
    EXPECT_TRUE(store_->findExpiredHolds(clock_->nowMillis(), 10).empty());
    clock_->advanceMillis(1'001);
    EXPECT_EQ(store_->findExpiredHolds(clock_->nowMillis(), 10).size(), 2U);
    const LedgerReply swept = apply(SweepOperation{});
    EXPECT_EQ(nlohmann::json::parse(swept.body)["expired"], 2);
    EXPECT_EQ(swept.in_doubt_total, std::optional<std::int64_t>(2));
    EXPECT_EQ(store_->findClaim(a)->status, ClaimStatus::in_doubt);
    EXPECT_EQ(store_->countClaims(ClaimStatus::in_doubt), 2);
    // in_doubt still blocks the citizen.
    EXPECT_EQ(errorCode(apply(holdOf("a", "k9"))), "already_claimed");
    const LedgerReply late_commit = apply(commitOf(a, "k3"));
    EXPECT_EQ(late_commit.http_status, 200) << late_commit.body;
    EXPECT_EQ(late_commit.in_doubt_total, std::optional<std::int64_t>(1));
    EXPECT_EQ(store_->findClaim(a)->status, ClaimStatus::paid);
    EXPECT_EQ(applyJson(voidOf(b, "k4"), 200)["status"], "voided");
    EXPECT_EQ(errorCode(apply(voidOf(a, "k5"))), "invalid_transition");
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
}

TEST_P(LedgerBackendTest, ResolveMovesInDoubtToAnOutcome) {
    const std::string a = applyJson(holdOf("a", "k1"), 201)["claim_id"];
    const std::string b = applyJson(holdOf("b", "k2"), 201)["claim_id"];
    clock_->advanceMillis(200'000);
    apply(SweepOperation{});
    const LedgerReply voided = apply(ResolveOperation{.claim_id = a,
                                                      .outcome = ClaimStatus::voided,
                                                      .reason = "settlement closed",
                                                      .actor = "admin",
                                                      .paid_at = std::nullopt,
                                                      .terminal_ref = ""});
    EXPECT_EQ(voided.http_status, 200) << voided.body;
    EXPECT_EQ(voided.in_doubt_total, std::optional<std::int64_t>(1));
    EXPECT_EQ(store_->findClaim(a)->status, ClaimStatus::voided);
    EXPECT_EQ(store_->findClaim(a)->reason, std::optional<std::string>("settlement closed"));
    const LedgerReply paid = apply(ResolveOperation{.claim_id = b,
                                                    .outcome = ClaimStatus::paid,
                                                    .reason = "bank says paid",
                                                    .actor = "r",
                                                    .paid_at = std::nullopt,
                                                    .terminal_ref = ""});
    EXPECT_EQ(paid.http_status, 200) << paid.body;
    EXPECT_EQ(paid.in_doubt_total, std::optional<std::int64_t>(0));
    EXPECT_EQ(store_->findClaim(b)->status, ClaimStatus::paid);
    EXPECT_EQ(store_->countClaims(ClaimStatus::in_doubt), 0);
    // The gauge's figure lives in the database: a sweep that changes nothing reads it back.
    EXPECT_EQ(apply(SweepOperation{}).in_doubt_total, std::optional<std::int64_t>(0));
}

TEST_P(LedgerBackendTest, ResolveRefusesAHeldClaim) {
    // A held claim may be mid-dispense at its ATM: voiding it would re-open a citizen who is
    // being paid. Only in_doubt claims are resolved; the refusal changes nothing.
    const std::string a = applyJson(holdOf("a", "k1"), 201)["claim_id"];
    const LedgerReply refused = apply(ResolveOperation{.claim_id = a,
                                                       .outcome = ClaimStatus::voided,
                                                       .reason = "settlement closed",
                                                       .actor = "admin",
                                                       .paid_at = std::nullopt,
                                                       .terminal_ref = {}});
    EXPECT_EQ(refused.http_status, 409) << refused.body;
    EXPECT_EQ(errorCode(refused), "invalid_transition");
    EXPECT_EQ(store_->findClaim(a)->status, ClaimStatus::held);
}

TEST_P(LedgerBackendTest, ResolvePaidKeepsTheSettlementTimeAndReference) {
    const std::string a = applyJson(holdOf("a", "k1"), 201)["claim_id"];
    clock_->advanceMillis(200'000);
    apply(SweepOperation{});
    const std::int64_t dispensed = claimgate::testing::kStandardNowMillis + 20'000;
    const ResolveOperation operation{.claim_id = a,
                                     .outcome = ClaimStatus::paid,
                                     .reason = "settlement s.csv:2 shows the payment",
                                     .actor = "recon",
                                     .paid_at = dispensed,
                                     .terminal_ref = "T-778"};
    EXPECT_EQ(apply(operation).http_status, 200);
    const auto claim = store_->findClaim(a);
    EXPECT_EQ(claim->status, ClaimStatus::paid);
    EXPECT_EQ(claim->paid_at, std::optional<std::int64_t>(dispensed))
        << "not the time of resolving";
    EXPECT_EQ(claim->terminal_ref, std::optional<std::string>("T-778"));
}

TEST_P(LedgerBackendTest, RepliesArePurgedAfterTheRetentionPeriod) {
    const LedgerReply first = apply(holdOf("a", "k1"));
    ASSERT_EQ(first.http_status, 201);
    clock_->advanceMillis(kRetentionMillis - 24LL * 3600 * 1000);
    EXPECT_EQ(nlohmann::json::parse(apply(SweepOperation{}).body)["purged"], 0);
    EXPECT_EQ(apply(holdOf("a", "k1")).body, first.body);  // still replayed
    clock_->advanceMillis(24LL * 3600 * 1000 + 1);
    EXPECT_EQ(nlohmann::json::parse(apply(SweepOperation{}).body)["purged"], 1);
    EXPECT_FALSE(store_->findReply("BANK004", "k1"));
    // Past retention the key is decided afresh: the citizen is still blocked.
    EXPECT_EQ(errorCode(apply(holdOf("a", "k1"))), "already_claimed");
}

TEST_P(LedgerBackendTest, ALookupReplaysAStoredReplyAndWritesNothing) {
    const LedgerReply first = apply(holdOf("a", "k1"));
    ASSERT_EQ(first.http_status, 201);
    const HoldOperation original = holdOf("a", "k1");
    const LedgerReply replayed =
        apply(LookupReplyOperation{original.terminal, original.idempotency});
    EXPECT_EQ(replayed.outcome, LedgerOutcome::replayed);
    EXPECT_EQ(replayed.body, first.body);
    const HoldOperation other = holdOf("b", "k1");
    EXPECT_EQ(apply(LookupReplyOperation{other.terminal, other.idempotency}).outcome,
              LedgerOutcome::key_reused);
    const HoldOperation fresh = holdOf("c", "k2");
    EXPECT_EQ(apply(LookupReplyOperation{fresh.terminal, fresh.idempotency}).outcome,
              LedgerOutcome::not_found);
    EXPECT_FALSE(store_->findReply("BANK004", "k2"));
    EXPECT_EQ(verifyChain(*store_).events, 1);
}

TEST_P(LedgerBackendTest, ImportedPayoutBlocksTheCitizenAndIsIdempotent) {
    ImportPayoutOperation payout;
    payout.program = "CASH2023";
    payout.citizen_key = keyFor("dd");
    payout.citizen_mask = "A12*****89";
    payout.amount = 6000;
    payout.paid_at = claimgate::testing::kStandardNowMillis - 1000;
    payout.payout_id = "DD0001";
    EXPECT_EQ(apply(payout).http_status, 201);
    // Importing the same payout again is a no-op answered 200 with the imported claim.
    const LedgerReply again = apply(payout);
    EXPECT_EQ(again.http_status, 200) << again.body;
    EXPECT_EQ(store_->countClaims(ClaimStatus::paid), 1);
    const auto claim = store_->findClaim("p_DD0001");
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->status, ClaimStatus::paid);
    EXPECT_EQ(claim->channel, protocols::Channel::direct_deposit);
    EXPECT_EQ(errorCode(apply(holdOf("dd", "k1"))), "already_claimed");
    payout.payout_id = "DD0002";
    EXPECT_EQ(errorCode(apply(payout)), "already_claimed");
    int blocking = 0;
    store_->forEachBlockingClaim([&](const std::string& program, const CitizenKey& key,
                                     ClaimStatus status, protocols::Channel channel, std::int64_t) {
        ++blocking;
        EXPECT_EQ(program, "CASH2023");
        EXPECT_EQ(key, keyFor("dd"));
        EXPECT_EQ(status, ClaimStatus::paid);
        EXPECT_EQ(channel, protocols::Channel::direct_deposit);
    });
    EXPECT_EQ(blocking, 1);
}

TEST_P(LedgerBackendTest, ChainVerifiesAndAppendOnlyIsEnforced) {
    makeHistory();
    EXPECT_THROW(rawSql("UPDATE claim_events SET body = 'x'"), std::runtime_error);
    EXPECT_THROW(rawSql("DELETE FROM claim_events WHERE seq = 1"), std::runtime_error);
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 5);
    EXPECT_EQ(store_->lastEvent()->seq, 5);
}

TEST_P(LedgerBackendTest, ChainVerifyNamesAModifiedEvent) {
    makeHistory();
    dropAppendOnlyTriggers();
    rawSql("UPDATE claim_events SET body = replace(body, '6000', '60000') WHERE seq = 2");
    const auto chain = verifyChain(*store_);
    EXPECT_FALSE(chain.ok);
    EXPECT_EQ(chain.first_broken_seq, std::optional<std::int64_t>(2));
    EXPECT_EQ(chain.events, 1);
}

TEST_P(LedgerBackendTest, ChainVerifyNamesADeletedEvent) {
    makeHistory();
    dropAppendOnlyTriggers();
    rawSql("DELETE FROM claim_events WHERE seq = 3");
    const auto chain = verifyChain(*store_);
    EXPECT_FALSE(chain.ok);
    EXPECT_EQ(chain.first_broken_seq, std::optional<std::int64_t>(3));
}

TEST_P(LedgerBackendTest, ChainVerifyNamesReorderedEvents) {
    makeHistory();
    dropAppendOnlyTriggers();
    // Swap events 3 and 4 wholesale (body and hash), keeping the sequence numbers dense.
    rawSql(
        "UPDATE claim_events SET seq = -3 WHERE seq = 3;"
        "UPDATE claim_events SET seq = 3 WHERE seq = 4;"
        "UPDATE claim_events SET seq = 4 WHERE seq = -3;");
    const auto chain = verifyChain(*store_);
    EXPECT_FALSE(chain.ok);
    EXPECT_EQ(chain.first_broken_seq, std::optional<std::int64_t>(3));
}

TEST_P(LedgerBackendTest, ChainVerifyDetectsADeletedLastEventOnlyByCount) {
    // Truncating the tail leaves a valid shorter chain; what verify reports is its length, so
    // recon can compare it with the exported head.
    makeHistory();
    dropAppendOnlyTriggers();
    rawSql("DELETE FROM claim_events WHERE seq = 5");
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok);
    EXPECT_EQ(chain.events, 4);
}

TEST_P(LedgerBackendTest, PurgeRepliesRemovesOnlyOldOnesWithinTheLimit) {
    store_->begin();
    for (int i = 0; i < 5; ++i) {
        store_->saveReply("BANK004", "old-" + std::to_string(i),
                          StoredReply{protocols::sha256("x"), 201, "{}"}, 1000 + i);
    }
    store_->saveReply("BANK004", "new", StoredReply{protocols::sha256("y"), 200, "{\"a\":1}"},
                      5000);
    store_->commit();
    store_->begin();
    EXPECT_EQ(store_->purgeReplies(2000, 3), 3U);
    EXPECT_EQ(store_->purgeReplies(2000, 100), 2U);
    EXPECT_EQ(store_->purgeReplies(2000, 100), 0U);
    store_->commit();
    EXPECT_FALSE(store_->findReply("BANK004", "old-4"));
    const auto kept = store_->findReply("BANK004", "new");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->http_status, 200);
    EXPECT_EQ(kept->body, "{\"a\":1}");
    EXPECT_EQ(kept->request_hash, protocols::sha256("y"));
}

TEST_P(LedgerBackendTest, ForEachEventAfterReadsByCursor) {
    makeHistory();
    std::vector<std::int64_t> seqs;
    store_->forEachEventAfter(2, 2, [&](const ClaimEvent& event) {
        seqs.push_back(event.seq);
        return true;
    });
    EXPECT_EQ(seqs, (std::vector<std::int64_t>{3, 4}));
    seqs.clear();
    store_->forEachEventAfter(4, 100, [&](const ClaimEvent& event) {
        seqs.push_back(event.seq);
        return true;
    });
    EXPECT_EQ(seqs, (std::vector<std::int64_t>{5}));
    seqs.clear();
    store_->forEachEventAfter(0, 100, [&](const ClaimEvent& event) {
        seqs.push_back(event.seq);
        return seqs.size() < 2;  // the visitor stops early
    });
    EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2}));
    int after_end = 0;
    store_->forEachEventAfter(5, 100, [&](const ClaimEvent&) { return ++after_end > 0; });
    EXPECT_EQ(after_end, 0);
}

TEST_P(LedgerBackendTest, RosterUpsertRemoveCountAndVisit) {
    store_->begin();
    store_->putProgram(testProgram());
    store_->putProgram(testProgram("OTHER", 100));
    RosterRow row;
    row.program = "CASH2023";
    row.citizen_key = keyFor("a");
    row.nhi_hash = keyFor("nhi:a");
    row.amount = 3000;
    row.proxies = {keyFor("p1"), keyFor("p2")};
    row.claim_by = protocols::ClaimBy::either;
    store_->upsertRosterRow(row);
    RosterRow plain;
    plain.program = "CASH2023";
    plain.citizen_key = keyFor("b");
    plain.excluded = "paid_by_direct_deposit";
    store_->upsertRosterRow(plain);
    plain.program = "OTHER";
    plain.excluded.reset();
    store_->upsertRosterRow(plain);
    store_->commit();
    EXPECT_EQ(store_->loadPrograms().size(), 2U);
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 2);
    EXPECT_EQ(store_->countRosterRows("OTHER"), 1);

    row.amount = 4000;  // upsert replaces
    row.proxies = {keyFor("p3")};
    store_->begin();
    store_->upsertRosterRow(row);
    store_->commit();
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 2);
    std::map<CitizenKey, RosterRow> seen;
    store_->forEachRosterRow("CASH2023", [&](const RosterRow& r) { seen[r.citizen_key] = r; });
    ASSERT_EQ(seen.size(), 2U);
    const RosterRow& a = seen.at(keyFor("a"));
    EXPECT_EQ(a.amount, 4000);
    EXPECT_EQ(a.nhi_hash, std::optional<CitizenKey>(keyFor("nhi:a")));
    EXPECT_EQ(a.proxies, std::vector<CitizenKey>{keyFor("p3")});
    EXPECT_EQ(a.claim_by, protocols::ClaimBy::either);
    const RosterRow& b = seen.at(keyFor("b"));
    EXPECT_FALSE(b.nhi_hash);
    EXPECT_TRUE(b.proxies.empty());
    EXPECT_EQ(b.excluded, std::optional<std::string>("paid_by_direct_deposit"));

    store_->begin();
    store_->removeRosterRow("CASH2023", keyFor("a"), 0);
    store_->commit();
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 1);
    EXPECT_EQ(store_->countRosterRows("OTHER"), 1);
    store_->begin();
    store_->putMeta("cursor", "41");
    store_->putMeta("cursor", "42");
    store_->commit();
    EXPECT_EQ(store_->getMeta("cursor"), std::optional<std::string>("42"));
    EXPECT_FALSE(store_->getMeta("nothing"));
}

TEST_P(LedgerBackendTest, RosterVersionsBulkLoadReplaceAndChangesInVersionOrder) {
    store_->begin();
    store_->putProgram(testProgram());
    store_->commit();
    EXPECT_EQ(store_->latestRosterVersion(), 0);
    auto rowOf = [](const std::string& label, std::int64_t version) {
        RosterRow row;
        row.program = "CASH2023";
        row.citizen_key = keyFor(label);
        row.nhi_hash = keyFor("nhi:" + label);
        row.proxies = {keyFor("proxy:" + label)};
        row.excluded = "reason\\with_backslash";  // COPY escaping on PostgreSQL
        row.version = version;
        return row;
    };
    // Version 1: a bulk load (COPY + merge on PostgreSQL) of three rows.
    store_->beginRoster();
    const std::int64_t first = store_->newRosterVersion("CASH2023", "import", 1000);
    EXPECT_EQ(first, 1);
    const std::vector<RosterRow> first_rows{rowOf("a", first), rowOf("b", first),
                                            rowOf("c", first)};
    RosterRowSpan first_source(first_rows);
    store_->loadRosterRows(first_source);
    store_->commit();
    // Version 2: --replace with only "a" (updated) and "d".
    store_->beginRoster();
    const std::int64_t second = store_->newRosterVersion("CASH2023", "import --replace", 2000);
    EXPECT_EQ(second, 2);
    RosterRow updated = rowOf("a", second);
    updated.amount = 2500;
    updated.excluded.reset();
    const std::vector<RosterRow> second_rows{updated, rowOf("d", second)};
    RosterRowSpan second_source(second_rows);
    store_->loadRosterRows(second_source);
    EXPECT_EQ(store_->removeRosterRowsNotIn("CASH2023", second), 2);  // b and c
    store_->commit();
    // Version 3 is rolled back: it never becomes visible.
    store_->beginRoster();
    EXPECT_EQ(store_->newRosterVersion("CASH2023", "import", 3000), 3);
    store_->rollback();

    EXPECT_EQ(store_->latestRosterVersion(), 2);
    EXPECT_EQ(store_->rosterVersions(1), (std::map<std::string, std::int64_t>{{"CASH2023", 1}}));
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 2);
    EXPECT_EQ(store_->countRosterChanges(0, 2), 4);
    EXPECT_EQ(store_->countRosterChanges(1, 2), 4);  // every row was last written by v2
    std::vector<RosterRow> changes;
    store_->forEachRosterChange(1, 2, [&](const RosterRow& row) {
        changes.push_back(row);
        return true;
    });
    ASSERT_EQ(changes.size(), 4U);
    std::map<CitizenKey, RosterRow> by_key;
    for (const auto& change : changes) by_key[change.citizen_key] = change;
    EXPECT_TRUE(by_key.at(keyFor("b")).removed);
    EXPECT_TRUE(by_key.at(keyFor("c")).removed);
    EXPECT_FALSE(by_key.at(keyFor("a")).removed);
    EXPECT_EQ(by_key.at(keyFor("a")).amount, 2500);
    EXPECT_FALSE(by_key.at(keyFor("a")).excluded);
    EXPECT_EQ(by_key.at(keyFor("d")).excluded,
              std::optional<std::string>("reason\\with_backslash"));
    EXPECT_EQ(by_key.at(keyFor("d")).proxies, std::vector<CitizenKey>{keyFor("proxy:d")});
    EXPECT_EQ(by_key.at(keyFor("d")).nhi_hash, std::optional<CitizenKey>(keyFor("nhi:d")));
    std::size_t visited = 0;
    store_->forEachRosterRow("CASH2023", [&](const RosterRow& row) {
        EXPECT_FALSE(row.removed);
        ++visited;
    });
    EXPECT_EQ(visited, 2U);
    // A removed citizen comes back with a later version.
    store_->beginRoster();
    const std::int64_t third = store_->newRosterVersion("CASH2023", "pull", 4000);
    store_->upsertRosterRow(rowOf("b", third));
    store_->commit();
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 3);
    EXPECT_EQ(store_->countRosterChanges(2, third), 1);
}

TEST_P(LedgerBackendTest, GroupCommitBatchUndoesOnlyTheFailedOperation) {
    applyJson(holdOf("first", "k0"), 201);  // event seq 1 exists: the poison collides with it
    PoisoningStore poisoning(*store_);
    poisoning.poison(keyFor("poisoned"));
    std::vector<std::size_t> batch_sizes;
    GroupCommitter committer(
        poisoning, engine_, 64, 64,
        [&](const std::vector<LedgerReply*>& replies) { batch_sizes.push_back(replies.size()); });
    // Submit everything before the writer can take it: a sweep goes first and the rest queue
    // behind it; whatever the split, the database's refusal makes runBatch re-run that batch
    // op by op, and only the poisoned op is undone.
    std::vector<std::future<LedgerReply>> replies;
    for (const auto& citizen : {"a", "poisoned", "c", "d"}) {
        auto submitted = committer.submit(holdOf(citizen, std::string("b-") + citizen));
        ASSERT_TRUE(submitted);
        replies.push_back(std::move(*submitted));
    }
    std::vector<LedgerReply> done;
    for (auto& reply : replies) {
        ASSERT_EQ(reply.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        done.push_back(reply.get());
    }
    committer.stop();
    EXPECT_EQ(done[0].http_status, 201) << done[0].body;
    EXPECT_EQ(done[1].outcome, LedgerOutcome::unavailable);
    EXPECT_EQ(renderer_.render(done[1]).http_status, 503);
    EXPECT_EQ(done[2].http_status, 201) << done[2].body;
    EXPECT_EQ(done[3].http_status, 201) << done[3].body;
    EXPECT_EQ(committer.stats().failed_batches.load(), 0U);
    EXPECT_EQ(committer.stats().rerun_batches.load(), 1U);  // the batch with the poison only
    EXPECT_EQ(committer.stats().operations.load(), 4U);
    // Nothing of the poisoned op survived: no claim row, no stored reply, no event.
    EXPECT_FALSE(store_->findBlockingClaim("CASH2023", keyFor("poisoned")));
    EXPECT_FALSE(store_->findReply("BANK004", "b-poisoned"));
    EXPECT_TRUE(store_->findBlockingClaim("CASH2023", keyFor("c")));
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), 4);
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 4);
    // The citizen was not harmed: once the fault is gone the same key succeeds.
    poisoning.cure();
    EXPECT_EQ(apply(holdOf("poisoned", "b-poisoned")).http_status, 201);
}

TEST_P(LedgerBackendTest, AnAllOrNothingBatchAppliesNothingWhenTheDatabaseRefusesOneOperation) {
    applyJson(holdOf("first", "k0"), 201);
    PoisoningStore poisoning(*store_);
    poisoning.poison(keyFor("poisoned"));
    const std::vector<LedgerOperation> operations = {holdOf("a", "n-a"), holdOf("poisoned", "n-p"),
                                                     holdOf("c", "n-c")};
    std::vector<LedgerReply> replies;
    bool extra_ran = false;
    const BatchResult result = runBatch(
        poisoning, engine_, operations, replies,
        [&](LedgerStore& store) {
            extra_ran = true;
            store.putMeta("cursor", "page-2");
        },
        OnRefusal::fail_batch);
    EXPECT_FALSE(result.committed);
    EXPECT_FALSE(result.error.empty());
    ASSERT_EQ(replies.size(), 3U);
    for (const auto& reply : replies) EXPECT_EQ(reply.outcome, LedgerOutcome::unavailable);
    // SQLite refuses at the statement, before the extra runs; PostgreSQL's pipeline reports the
    // refusal at the end of the batch, after it. Either way the cursor never moved.
    if (GetParam() == Backend::sqlite) {
        EXPECT_FALSE(extra_ran);
    }
    EXPECT_FALSE(store_->getMeta("cursor"));
    EXPECT_FALSE(store_->findBlockingClaim("CASH2023", keyFor("a")));
    EXPECT_EQ(verifyChain(*store_).events, 1);
}

// One batch, many operations on the same rows: each sees what the ones before it did, exactly
// as if they had run one by one (PostgreSQL answers a batch's reads from rows fetched up front,
// kept in step with the batch's own writes).
TEST_P(LedgerBackendTest, ABatchSeesItsOwnEarlierOperations) {
    const std::string held = applyJson(holdOf("held", "h-held"), 201)["claim_id"];
    const std::string to_void = applyJson(holdOf("to-void", "h-void"), 201)["claim_id"];
    const std::vector<LedgerOperation> operations = {
        holdOf("a", "k1"),                 // 0: a new claim
        holdOf("a", "k1"),                 // 1: the same request again: replay of 0
        holdOf("a", "k2"),                 // 2: a second hold for a: already claimed by 0
        holdOf("b", "k1"),                 // 3: k1 for another request: key reused
        commitOf(held, "c-held"),          // 4: commit of an earlier claim
        commitOf(held, "c-held-2"),        // 5: a second commit advice: unchanged, paid
        voidOf(to_void, "v-void"),         // 6: void frees the citizen...
        holdOf("to-void", "h-void-again")  // 7: ...who may hold again in the same batch
    };
    std::vector<LedgerReply> replies;
    const BatchResult result = runBatch(*store_, engine_, operations, replies);
    ASSERT_TRUE(result.committed) << result.error;
    EXPECT_FALSE(result.isolated) << result.error;
    ASSERT_EQ(replies.size(), operations.size());
    EXPECT_EQ(replies[0].outcome, LedgerOutcome::created);
    EXPECT_EQ(replies[1].outcome, LedgerOutcome::replayed);
    EXPECT_EQ(replies[1].body, replies[0].body);
    EXPECT_EQ(replies[2].outcome, LedgerOutcome::already_claimed);
    EXPECT_EQ(replies[3].outcome, LedgerOutcome::key_reused);
    EXPECT_EQ(replies[4].outcome, LedgerOutcome::done);
    EXPECT_EQ(replies[5].outcome, LedgerOutcome::unchanged);
    ASSERT_TRUE(replies[5].claim);
    EXPECT_EQ(replies[5].claim->status, ClaimStatus::paid);
    EXPECT_EQ(replies[6].outcome, LedgerOutcome::done);
    EXPECT_EQ(replies[7].outcome, LedgerOutcome::created);
    // What the batch committed is what it answered.
    EXPECT_EQ(store_->findBlockingClaim("CASH2023", keyFor("a"))->claim_id,
              replies[0].claim->claim_id);
    EXPECT_FALSE(store_->findBlockingClaim("CASH2023", keyFor("b")));
    EXPECT_EQ(store_->findClaim(held)->status, ClaimStatus::paid);
    EXPECT_EQ(store_->findClaim(to_void)->status, ClaimStatus::voided);
    EXPECT_EQ(store_->findBlockingClaim("CASH2023", keyFor("to-void"))->claim_id,
              replies[7].claim->claim_id);
    EXPECT_EQ(store_->findReply("BANK004", "k1")->body, replies[0].body);
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 2 + 4);  // two earlier holds; hold, commit, void, hold
}

// The gateway's engine renders and signs keyed replies on a thread of its own while the writer
// goes on with the batch (issue 9). What a terminal gets, and what a retry replays, must not
// change: every reply is stored before the batch commits, and a retry inside the same batch
// gets the original's bytes, signed receipt included.
TEST_P(LedgerBackendTest, RepliesRenderedInTheBackgroundAreStoredAndReplayedExactly) {
    ClaimEngine background(clock_, kRetentionMillis, renderer_, /*render_in_background=*/true);
    ASSERT_TRUE(background.rendersInBackground());
    std::vector<LedgerReply> held;
    const std::vector<LedgerOperation> holds = {holdOf("a", "h-a"), holdOf("b", "h-b"),
                                                holdOf("a", "h-a"), holdOf("c", "h-a")};
    ASSERT_TRUE(runBatch(*store_, background, holds, held).committed);
    EXPECT_EQ(held[0].outcome, LedgerOutcome::created);
    EXPECT_EQ(held[0].http_status, 201);
    EXPECT_EQ(held[1].http_status, 201);
    EXPECT_EQ(held[2].outcome, LedgerOutcome::replayed);
    EXPECT_EQ(held[2].body, held[0].body);
    EXPECT_EQ(held[3].outcome, LedgerOutcome::key_reused);
    for (const auto& reply : held) {
        EXPECT_FALSE(reply.render_pending);
        EXPECT_FALSE(reply.replay_of);
    }
    const std::string a = held[0].claim->claim_id;
    const std::string b = held[1].claim->claim_id;
    std::vector<LedgerReply> paid;
    const std::vector<LedgerOperation> commits = {commitOf(a, "c-a"), commitOf(b, "c-b"),
                                                  commitOf(a, "c-a")};
    ASSERT_TRUE(runBatch(*store_, background, commits, paid).committed);
    EXPECT_EQ(paid[0].http_status, 200) << paid[0].body;
    EXPECT_EQ(paid[1].http_status, 200) << paid[1].body;
    EXPECT_EQ(paid[2].outcome, LedgerOutcome::replayed);
    EXPECT_EQ(paid[2].body, paid[0].body);  // the same signature, not a fresh one
    EXPECT_TRUE(nlohmann::json::parse(paid[0].body)["receipt"].contains("sig"));
    // What was stored is what was sent, and a later retry (any engine) replays it.
    EXPECT_EQ(store_->findReply("BANK004", "h-a")->body, held[0].body);
    EXPECT_EQ(store_->findReply("BANK004", "c-b")->body, paid[1].body);
    EXPECT_EQ(apply(commitOf(a, "c-a")).body, paid[0].body);
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 4);
}

// A database refusal in a batch whose replies are being rendered in the background: the render
// jobs finish before the batch is re-run, and the re-run answers every operation. The refusal
// comes after more holds than the engine hands to its render thread at once (8), so on SQLite,
// which refuses at the statement, it lands while earlier replies are being rendered.
TEST_P(LedgerBackendTest, ARefusedBatchWithBackgroundRendersIsRerunCleanly) {
    ClaimEngine background(clock_, kRetentionMillis, renderer_, /*render_in_background=*/true);
    applyJson(holdOf("first", "k0"), 201);  // event seq 1: the poison collides with it
    PoisoningStore poisoning(*store_);
    poisoning.poison(keyFor("poisoned"));
    constexpr std::size_t kHoldsBefore = 20;
    std::vector<LedgerOperation> operations;
    for (std::size_t i = 0; i < kHoldsBefore; ++i) {
        operations.push_back(holdOf("a" + std::to_string(i), "r-a" + std::to_string(i)));
    }
    operations.push_back(holdOf("poisoned", "r-p"));
    operations.push_back(holdOf("c", "r-c"));
    std::vector<LedgerReply> replies;
    const BatchResult result = runBatch(poisoning, background, operations, replies);
    ASSERT_TRUE(result.committed) << result.error;
    EXPECT_TRUE(result.isolated);
    for (std::size_t i = 0; i < kHoldsBefore; ++i) {
        EXPECT_EQ(replies[i].http_status, 201) << replies[i].body;
        EXPECT_EQ(store_->findReply("BANK004", "r-a" + std::to_string(i))->body, replies[i].body);
    }
    EXPECT_EQ(replies[kHoldsBefore].outcome, LedgerOutcome::unavailable);
    EXPECT_EQ(replies[kHoldsBefore + 1].http_status, 201) << replies[kHoldsBefore + 1].body;
    EXPECT_FALSE(store_->findReply("BANK004", "r-p"));
    EXPECT_TRUE(verifyChain(*store_).ok);
}

// A render that throws while the render thread holds other replies of the batch: the batch is
// abandoned only once that thread lets go of them, then rerun operation by operation.
TEST_P(LedgerBackendTest, ARenderThatThrowsMidBatchIsRerunCleanly) {
    constexpr std::size_t kHolds = 40;
    constexpr int kThrowingRender = 25;
    std::atomic<int> renders{0};
    ReplyRenderer throwsOnce = [&](const LedgerReply& reply) {
        if (++renders == kThrowingRender) throw std::runtime_error("render failed");
        return renderer_(reply);
    };
    ClaimEngine background(clock_, kRetentionMillis, throwsOnce, /*render_in_background=*/true);
    std::vector<LedgerOperation> operations;
    for (std::size_t i = 0; i < kHolds; ++i) {
        operations.push_back(holdOf("t" + std::to_string(i), "r-t" + std::to_string(i)));
    }
    std::vector<LedgerReply> replies;
    const BatchResult result = runBatch(*store_, background, operations, replies);
    ASSERT_TRUE(result.committed) << result.error;
    EXPECT_TRUE(result.isolated);
    EXPECT_EQ(result.error, "render failed");
    EXPECT_GT(renders.load(), static_cast<int>(kHolds));
    for (std::size_t i = 0; i < kHolds; ++i) {
        ASSERT_EQ(replies[i].http_status, 201) << replies[i].body;
        EXPECT_EQ(store_->findReply("BANK004", "r-t" + std::to_string(i))->body, replies[i].body);
    }
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), static_cast<std::int64_t>(kHolds));
    EXPECT_TRUE(verifyChain(*store_).ok);
}

// A minted claim code that an earlier slip of the operator already has (1 in 10^12 per slip):
// the unique index refuses the insert (PostgreSQL's batch: its read set found the twin), that
// hold alone is answered unavailable and not stored under its key, and the rest of the batch
// commits without a rerun.
// The retry with the same key and a fresh code is created.
TEST_P(LedgerBackendTest, ATwinClaimCodeFailsOnlyItsHoldAndTheRetryGetsAFreshOne) {
    const HoldOperation first = holdOf("first", "k-first");
    applyJson(first, 201);
    HoldOperation twin = holdOf("twin", "k-twin");
    twin.claim_code = first.claim_code;
    const std::vector<LedgerOperation> operations{holdOf("before", "k-before"), twin,
                                                  holdOf("after", "k-after")};
    std::vector<LedgerReply> replies;
    const BatchResult result = runBatch(*store_, engine_, operations, replies);
    ASSERT_TRUE(result.committed) << result.error;
    EXPECT_FALSE(result.isolated) << result.error;
    EXPECT_EQ(replies[0].outcome, LedgerOutcome::created);
    EXPECT_EQ(replies[1].outcome, LedgerOutcome::unavailable);
    EXPECT_EQ(replies[2].outcome, LedgerOutcome::created);
    EXPECT_FALSE(store_->findReply("BANK004", "k-twin"));
    EXPECT_FALSE(store_->findBlockingClaim("CASH2023", keyFor("twin")));
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), 3);

    HoldOperation retry = twin;
    retry.claim_code = holdOf("twin", "fresh").claim_code;
    ASSERT_NE(retry.claim_code, first.claim_code);
    applyJson(retry, 201);
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), 4);
    EXPECT_TRUE(verifyChain(*store_).ok);
}

// PostgreSQL at its own speed (issue 9): a batch costs the same few round trips whatever its
// size (BEGIN with the chain lock, the batch's reads, its writes, COMMIT), not one per
// statement.
TEST_P(LedgerBackendTest, APostgresBatchCostsAFixedNumberOfRoundTrips) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "a network backend's property";
    auto& postgres = dynamic_cast<PostgresLedgerStore&>(*store_);
    applyJson(holdOf("warm-up", "w"), 201);  // statements prepared, schema warm
    std::vector<std::string> held_ids;
    auto roundTripsOf = [&](const std::vector<LedgerOperation>& operations,
                            LedgerOutcome expected) {
        std::vector<LedgerReply> replies;
        const std::uint64_t before = postgres.roundTrips();
        const BatchResult result = runBatch(*store_, engine_, operations, replies);
        EXPECT_TRUE(result.committed) << result.error;
        EXPECT_FALSE(result.isolated) << result.error;
        for (const auto& reply : replies) {
            EXPECT_EQ(reply.outcome, expected);
            if (reply.claim) held_ids.push_back(reply.claim->claim_id);
        }
        return postgres.roundTrips() - before;
    };
    auto holds = [](std::size_t count, const std::string& prefix) {
        std::vector<LedgerOperation> operations;
        for (std::size_t i = 0; i < count; ++i) {
            const std::string citizen = prefix + std::to_string(i);
            operations.push_back(holdOf(citizen, "k-" + citizen));
        }
        return operations;
    };
    const std::uint64_t one = roundTripsOf(holds(1, "one-"), LedgerOutcome::created);
    const std::uint64_t many = roundTripsOf(holds(64, "many-"), LedgerOutcome::created);
    EXPECT_LE(one, 4U);  // BEGIN and reads; writes, chain lock and head; events; COMMIT
    EXPECT_EQ(many, one) << "64 holds cost " << many << " round trips, one hold " << one;
    EXPECT_EQ(store_->countClaims(ClaimStatus::held), 1 + 1 + 64);

    // A batch that names existing claims pays one more, to lock them in claim-id order.
    const std::vector<std::string> ids = held_ids;
    const std::uint64_t one_commit =
        roundTripsOf({commitOf(ids.at(0), "c-one")}, LedgerOutcome::done);
    std::vector<LedgerOperation> commits;
    for (std::size_t i = 1; i < ids.size(); ++i) {
        commits.push_back(commitOf(ids[i], "c-" + std::to_string(i)));
    }
    const std::uint64_t many_commits = roundTripsOf(commits, LedgerOutcome::done);
    EXPECT_LE(one_commit, 5U);
    EXPECT_EQ(many_commits, one_commit)
        << commits.size() << " commits cost " << many_commits << " round trips, one " << one_commit;
    EXPECT_EQ(store_->countClaims(ClaimStatus::paid), 1 + 64);
}

// A pipelined batch ends with a run of stored replies and a run of chain events; each run goes
// to PostgreSQL as one multi-row INSERT (PostgresLedgerStore::HeldInsert), whose fixed cost
// is per statement. So an operation more in a batch costs only its own reads and its claim's
// write (a hold: its key, citizen and code read, its insert; a commit: its key and claim read,
// its update), and nothing for its reply and its event. Each row apart would be two more.
TEST_P(LedgerBackendTest, APostgresBatchWritesItsRepliesAndEventsAsOneInsertEach) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "PostgreSQL's statements";
    auto& postgres = dynamic_cast<PostgresLedgerStore&>(*store_);
    applyJson(holdOf("warm-up", "w"), 201);
    // As the gateway's writer runs it: replies rendered aside and stored at the batch's end.
    ClaimEngine deferring(clock_, kRetentionMillis, renderer_, /*render_in_background=*/true);
    std::vector<std::string> held_ids;
    auto statementsOf = [&](const std::vector<LedgerOperation>& operations) {
        std::vector<LedgerReply> replies;
        const std::uint64_t before = postgres.statementsSent();
        const BatchResult result = runBatch(*store_, deferring, operations, replies);
        EXPECT_TRUE(result.committed) << result.error;
        EXPECT_FALSE(result.isolated) << result.error;
        for (const auto& reply : replies) {
            if (reply.claim && reply.claim->status == ClaimStatus::held) {
                held_ids.push_back(reply.claim->claim_id);
            }
        }
        return postgres.statementsSent() - before;
    };
    std::vector<LedgerOperation> holds;
    for (int i = 0; i < 40; ++i) {
        holds.push_back(holdOf("s" + std::to_string(i), "k-s" + std::to_string(i)));
    }
    const std::uint64_t one = statementsOf({holdOf("single", "k-single")});
    const std::uint64_t many = statementsOf(holds);
    EXPECT_LE(many - one, 4 * (holds.size() - 1))
        << "one hold: " << one << " statements, " << holds.size() << " holds: " << many;

    const std::uint64_t one_commit = statementsOf({commitOf(held_ids.at(0), "c-0")});
    std::vector<LedgerOperation> commits;
    for (std::size_t i = 1; i < held_ids.size(); ++i) {
        commits.push_back(commitOf(held_ids[i], "c-" + std::to_string(i)));
    }
    const std::uint64_t many_commits = statementsOf(commits);
    EXPECT_LE(many_commits - one_commit, 3 * (commits.size() - 1))
        << "one commit: " << one_commit << " statements, " << commits.size()
        << " commits: " << many_commits;
    EXPECT_EQ(store_->countClaims(ClaimStatus::paid), static_cast<std::int64_t>(held_ids.size()));
    for (std::size_t i = 0; i < held_ids.size(); ++i) {
        ASSERT_TRUE(store_->findReply("BANK004", "c-" + std::to_string(i))) << i;
    }
    EXPECT_TRUE(verifyChain(*store_).ok);
}

// The read set (batch_runner.cpp) is the PostgreSQL batch's lock order: a claim the engine reads
// without its read set naming it is locked on the spot, outside claim-id order. Every operation
// kind, answered every way (created, replayed, refused, by id and by code, across programs),
// must read only what its read set named.
TEST_P(LedgerBackendTest, EveryOperationKindReadsOnlyWhatItsReadSetNames) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL locks what it reads";
    auto& postgres = dynamic_cast<PostgresLedgerStore&>(*store_);
    const auto held = [&](const std::string& citizen) {
        const LedgerReply reply = apply(holdOf(citizen, "h-" + citizen));
        EXPECT_TRUE(reply.claim) << reply.body;
        return reply.claim.value_or(ClaimRecord{});
    };
    const ClaimRecord by_id = held("by-id");
    const ClaimRecord by_code = held("by-code");
    const ClaimRecord void_by_id = held("void-id");
    const ClaimRecord void_by_code = held("void-code");
    const ClaimRecord to_doubt = held("doubt");
    clock_->advanceMillis(200'000);  // every hold so far expires
    apply(SweepOperation{});
    ASSERT_EQ(store_->findClaim(to_doubt.claim_id)->status, ClaimStatus::in_doubt);
    const ClaimRecord live = held("live");
    held("other-program");

    // Only this hold names the citizen: a read its read set missed would reach the database.
    HoldOperation excluding = holdOf("other-program", "k-excluding");
    excluding.program = "BONUS2023";
    excluding.excluded_programs = {"CASH2023"};
    ImportPayoutOperation payout;
    payout.program = "CASH2023";
    payout.citizen_key = keyFor("deposit");
    payout.citizen_mask = "A12*****89";
    payout.amount = 6000;
    payout.paid_at = claimgate::testing::kStandardNowMillis;
    payout.payout_id = "DD0001";
    const HoldOperation replayed_hold = holdOf("live", "h-live");

    std::vector<LedgerOperation> batch;
    batch.push_back(holdOf("fresh", "k-fresh"));
    batch.push_back(replayed_hold);
    batch.push_back(holdOf("live", "k-twice"));  // already claimed
    batch.push_back(excluding);                  // refused by the other program's claim
    batch.push_back(commitOf(by_id.claim_id, "c-id"));
    batch.push_back(commitOf(by_code.claim_code, "c-code"));
    batch.push_back(voidOf(void_by_id.claim_id, "v-id"));
    batch.push_back(voidOf(void_by_code.claim_code, "v-code"));
    batch.push_back(commitOf("c_no-such-claim", "c-missing"));
    batch.push_back(LookupReplyOperation{replayed_hold.terminal, replayed_hold.idempotency});
    batch.push_back(ResolveOperation{.claim_id = to_doubt.claim_id,
                                     .outcome = ClaimStatus::paid,
                                     .reason = "bank says paid",
                                     .actor = "recon",
                                     .paid_at = std::nullopt,
                                     .terminal_ref = ""});
    batch.push_back(payout);
    batch.emplace_back(SweepOperation{});
    std::vector<LedgerReply> replies;
    BatchResult result = runBatch(*store_, engine_, batch, replies);
    ASSERT_TRUE(result.committed) << result.error;
    EXPECT_FALSE(result.isolated) << result.error;
    const std::vector<LedgerOutcome> expected = {
        LedgerOutcome::created,  LedgerOutcome::replayed, LedgerOutcome::already_claimed,
        LedgerOutcome::excluded, LedgerOutcome::done,     LedgerOutcome::done,
        LedgerOutcome::done,     LedgerOutcome::done,     LedgerOutcome::not_found,
        LedgerOutcome::replayed, LedgerOutcome::done,     LedgerOutcome::created,
        LedgerOutcome::done};
    ASSERT_EQ(replies.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(replies[i].outcome, expected[i]) << "operation " << i << ": " << replies[i].body;
    }
    // The same batch again: every keyed operation is now a replay, the payout a repeat.
    replies.clear();
    result = runBatch(*store_, engine_, batch, replies);
    ASSERT_TRUE(result.committed) << result.error;
    EXPECT_FALSE(result.isolated) << result.error;
    EXPECT_EQ(postgres.readsOutsideReadSet(), 0U);

    // The count itself: a batch whose read set names nothing, then reads a claim.
    store_->beginOptimisticBatch(BatchReadSet{});
    EXPECT_TRUE(store_->findClaim(live.claim_id));
    store_->rollback();
    EXPECT_EQ(postgres.readsOutsideReadSet(), 1U);
}

// A claim insert that loses a race in a pipelined batch: the batch read "no blocking claim",
// then another writer (here: a second connection that skips the chain lock) inserted one. The
// insert was answered optimistically; the refusal surfaces when the batch's writes are
// checked, the transaction commits nothing, and the connection is fit for the next batch.
TEST_P(LedgerBackendTest, APipelinedInsertThatLosesARaceCommitsNothing) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "SQLite has one writer per file";
    const HoldOperation hold = holdOf("raced", "k-raced");
    BatchReadSet reads;
    reads.blocking.emplace_back(hold.program, hold.citizen_key);
    store_->beginOptimisticBatch(reads);
    EXPECT_FALSE(store_->findBlockingClaim(hold.program, hold.citizen_key));  // from the batch read

    ClaimRecord winner;
    winner.claim_id = "c_winner";
    winner.claim_code = "1111111111";
    winner.program = hold.program;
    winner.citizen_key = hold.citizen_key;
    winner.citizen_mask = hold.citizen_mask;
    winner.operator_id = "BANK005";
    winner.terminal_id = "atm-0002";
    winner.amount = 6000;
    winner.held_at = claimgate::testing::kStandardNowMillis;
    winner.expires_at = winner.held_at + 120'000;
    PostgresLedgerStore other(uri_);
    ASSERT_TRUE(other.insertClaim(winner));  // autocommit, no lock: the race

    ClaimRecord loser = winner;
    loser.claim_id = "c_loser";
    loser.claim_code = "2222222222";
    loser.operator_id = "BANK004";
    EXPECT_TRUE(store_->insertClaim(loser));  // optimistic: not known yet
    store_->putMeta("after-the-loser", "1");
    EXPECT_THROW(store_->finishOptimisticWrites(), LedgerStoreError);
    store_->rollback();

    EXPECT_FALSE(store_->findClaim("c_loser"));
    EXPECT_FALSE(store_->getMeta("after-the-loser"));
    EXPECT_EQ(store_->findBlockingClaim(hold.program, hold.citizen_key)->claim_id, "c_winner");
    // The same connection runs the next batch, and through runBatch the loser's hold is
    // answered exactly: already claimed.
    const LedgerReply reply = apply(hold);
    EXPECT_EQ(reply.http_status, 409) << reply.body;
    EXPECT_EQ(errorCode(reply), "already_claimed");
}

/// Node A's batch on a thread of its own, held inside its first lockChain(), after its reads and
/// writes and before the chain lock, until release(): the moment at which another node's batch
/// must be free to go on.
class BatchHeldBeforeTheChain {
public:
    BatchHeldBeforeTheChain(LedgerStore& store, ClaimEngine& engine,
                            std::vector<LedgerOperation> operations)
        : node_(store), operations_(std::move(operations)) {
        std::shared_future<void> released = release_.get_future().share();
        node_.beforeChainLock([this, released] {
            if (paused_once_) return;
            paused_once_ = true;
            reached_.set_value();
            released.wait();
        });
        done_ = std::async(std::launch::async, [this, &engine] {
            return runBatch(node_, engine, operations_, replies_);
        });
    }
    ~BatchHeldBeforeTheChain() {
        release();
        if (done_.valid()) done_.wait();
    }
    [[nodiscard]] bool reachedTheChain() {
        return reached_.get_future().wait_for(std::chrono::seconds(30)) ==
               std::future_status::ready;
    }
    void release() {
        if (!released_) release_.set_value();
        released_ = true;
    }
    BatchResult result() {
        release();
        return done_.get();
    }
    [[nodiscard]] const LedgerReply& reply() const { return replies_.at(0); }

private:
    PoisoningStore node_;
    std::vector<LedgerOperation> operations_;
    std::vector<LedgerReply> replies_;
    std::promise<void> reached_;
    std::promise<void> release_;
    bool paused_once_ = false;  // only node A's thread reads and writes it
    bool released_ = false;
    std::future<BatchResult> done_;
};

/// Polls pg_stat_activity (up to 15 s) until exactly one session matches `condition`, such as
/// a batch seen waiting for a lock.
bool oneSessionWaits(const std::string& uri, const std::string& condition) {
    for (int i = 0; i < 300; ++i) {
        const auto rows = claimgate::testing::pgQuery(
            uri, "SELECT count(*) FROM pg_stat_activity WHERE " + condition);
        if (!rows.empty() && !rows[0].empty() && rows[0][0] == "1") return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

/// A second gateway node on the same PostgreSQL: its own connection and engine, one batch.
struct SecondNode {
    SecondNode(const std::string& uri, const ClaimReplyRenderer& renderer, std::int64_t retention)
        : store(uri),
          engine(std::make_shared<ManualClock>(claimgate::testing::kStandardNowMillis), retention,
                 renderer) {}
    std::future<BatchResult> runBatchAsync(std::vector<LedgerOperation> batch) {
        operations = std::move(batch);
        return std::async(std::launch::async,
                          [this] { return runBatch(store, engine, operations, replies); });
    }
    PostgresLedgerStore store;
    ClaimEngine engine;
    std::vector<LedgerOperation> operations;
    std::vector<LedgerReply> replies;
};

// Two gateway nodes on one PostgreSQL hold the chain lock only from their chain head to their
// COMMIT (docs/performance.md, "The chain lock only around the chain"). Node A's batch is held
// after its reads and writes, before the chain lock; node B's batch, on another citizen,
// commits in the meantime, and A's event then links after B's: one unbroken chain.
TEST_P(LedgerBackendTest, AnotherNodesBatchCommitsWhileOneWaitsBeforeTheChain) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    BatchHeldBeforeTheChain node_a(*store_, engine_, {holdOf("node-a", "k-node-a")});
    ASSERT_TRUE(node_a.reachedTheChain());

    SecondNode node_b(uri_, renderer_, kRetentionMillis);
    auto b_done = node_b.runBatchAsync({holdOf("node-b", "k-node-b")});
    const bool b_finished_first =
        b_done.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
    node_a.release();
    ASSERT_TRUE(b_finished_first) << "node B waited for node A's batch";
    const BatchResult b_result = b_done.get();
    const BatchResult a_result = node_a.result();
    ASSERT_TRUE(b_result.committed) << b_result.error;
    ASSERT_TRUE(a_result.committed) << a_result.error;
    EXPECT_FALSE(a_result.isolated) << a_result.error;
    ASSERT_EQ(node_b.replies.at(0).outcome, LedgerOutcome::created);
    ASSERT_EQ(node_a.reply().outcome, LedgerOutcome::created);

    std::vector<std::string> chain_order;
    store_->forEachEvent([&](const ClaimEvent& event) {
        chain_order.push_back(event.claim_id);
        return true;
    });
    EXPECT_EQ(chain_order, (std::vector<std::string>{node_b.replies[0].claim->claim_id,
                                                     node_a.reply().claim->claim_id}));
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
}

// Without the chain lock around the whole batch, what keeps two nodes from both holding one
// citizen is the citizen's own lock, taken before the batch reads: the unique index alone
// covers one program, and these holds are in two programs that exclude each other. Node A
// holds the citizen in CASH2023 and is held before its chain lock; node B's hold in a program
// that excludes CASH2023 waits for A's citizen lock, then sees A's claim.
TEST_P(LedgerBackendTest, TwoNodesHoldingOneCitizenInExcludingProgramsAtOnceMakeOneClaim) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    BatchHeldBeforeTheChain node_a(*store_, engine_, {holdOf("both", "k-a")});
    ASSERT_TRUE(node_a.reachedTheChain());

    SecondNode node_b(uri_, renderer_, kRetentionMillis);
    HoldOperation excluding = holdOf("both", "k-b");
    excluding.program = "BONUS2023";
    excluding.excluded_programs = {"CASH2023"};
    auto b_done = node_b.runBatchAsync({excluding});
    // Node B is seen waiting on an advisory lock (the citizen's) before A is let go.
    const bool b_waits = oneSessionWaits(uri_, "wait_event = 'advisory'");
    const bool b_still_running =
        b_done.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout;
    node_a.release();
    EXPECT_TRUE(b_waits) << "node B never waited for the citizen's lock";
    EXPECT_TRUE(b_still_running) << "node B finished while node A held the citizen";
    const BatchResult a_result = node_a.result();
    const BatchResult b_result = b_done.get();
    ASSERT_TRUE(a_result.committed) << a_result.error;
    ASSERT_TRUE(b_result.committed) << b_result.error;
    EXPECT_EQ(node_a.reply().outcome, LedgerOutcome::created);
    EXPECT_EQ(node_b.replies.at(0).outcome, LedgerOutcome::excluded);
    EXPECT_EQ(node_b.replies.at(0).excluding_program, "CASH2023");
    EXPECT_TRUE(store_->findBlockingClaim("CASH2023", keyFor("both")));
    EXPECT_FALSE(store_->findBlockingClaim("BONUS2023", keyFor("both")));
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 1);
}

/// Two claims held, and a third connection holding the row lock of the lower id: `lock` (on a
/// thread) names both claims, the higher id first, and must stop at the lower one without
/// having locked the higher one. A batch that locked in the order it was given would hold the
/// higher id while it waits, which is the half of a deadlock that another batch, locking the
/// lower id first, completes.
void expectClaimsLockedInIdOrder(
    LedgerStore& store, ClaimEngine& engine, const std::string& uri,
    const std::function<void(const std::string& higher, const std::string& lower)>& lock,
    const std::function<void()>& after) {
    PostgresLedgerStore blocker(uri);
    std::vector<std::string> ids;
    for (const char* citizen : {"order-1", "order-2"}) {
        std::vector<LedgerReply> replies;
        const LedgerOperation hold = holdOf(citizen, std::string("k-") + citizen);
        ASSERT_TRUE(runBatch(store, engine, {&hold, 1}, replies).committed);
        ASSERT_TRUE(replies.at(0).claim);
        ids.push_back(replies.at(0).claim->claim_id);
    }
    std::sort(ids.begin(), ids.end());
    const std::string lower = ids[0];
    const std::string higher = ids[1];
    blocker.begin();
    ASSERT_TRUE(blocker.findClaim(lower));  // in a transaction: FOR UPDATE

    auto locking = std::async(std::launch::async, [&] { lock(higher, lower); });
    EXPECT_TRUE(oneSessionWaits(uri, "wait_event_type = 'Lock'"))
        << "the batch never waited for the lower id's row";
    // NOWAIT: an error at once if the waiting batch holds the higher id's row.
    EXPECT_NO_THROW(claimgate::testing::pgQuery(
        uri, "SELECT 1 FROM claims WHERE claim_id = '" + higher + "' FOR UPDATE NOWAIT"))
        << "the batch locked the higher id before the lower one";
    blocker.rollback();
    ASSERT_EQ(locking.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    locking.get();
    after();
}

/// A pipelined batch of two commits, the higher id's first, with the lower claim named by its
/// id or by its code: it must lock the two in claim-id order, and both commit.
void expectACommitBatchLocksInIdOrder(LedgerStore& store, ClaimEngine& engine,
                                      const std::string& uri, bool lower_by_code) {
    std::vector<LedgerReply> replies;
    BatchResult result;
    std::vector<LedgerOperation> batch;
    expectClaimsLockedInIdOrder(
        store, engine, uri,
        [&](const std::string& higher, const std::string& lower) {
            const auto lower_claim = store.findClaim(lower);  // no transaction: no lock
            ASSERT_TRUE(lower_claim);
            batch = {commitOf(higher, "c-higher"),
                     commitOf(lower_by_code ? lower_claim->claim_code : lower, "c-lower")};
            result = runBatch(store, engine, batch, replies);
        },
        [&] {
            ASSERT_TRUE(result.committed) << result.error;
            EXPECT_FALSE(result.isolated) << result.error;
            ASSERT_EQ(replies.size(), 2U);
            EXPECT_EQ(replies[0].outcome, LedgerOutcome::done);
            EXPECT_EQ(replies[1].outcome, LedgerOutcome::done);
        });
}

// Two nodes' batches that name the same claims take their row locks in claim-id order, both in
// the pipelined batch and in the operation-by-operation re-run, so they cannot deadlock on
// them (each would otherwise wait a second for PostgreSQL's deadlock detector).
TEST_P(LedgerBackendTest, ABatchLocksTheClaimsItNamesInIdOrder) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    expectACommitBatchLocksInIdOrder(*store_, engine_, uri_, /*lower_by_code=*/false);
}

// One batch reaching a claim by its id and another by its code (a counter's slip) lock it in
// the same place of the same order: the claim-id order covers every way of naming a claim.
TEST_P(LedgerBackendTest, ABatchLocksAClaimItNamesByCodeInIdOrderToo) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    expectACommitBatchLocksInIdOrder(*store_, engine_, uri_, /*lower_by_code=*/true);
}

// Attack on the lock order: two nodes run batches at once that name the same few claims in
// random orders and every way a batch can name one (by id, by slip code, as the blocking claim
// of a citizen's new hold), commits and voids mixed, while one node also sweeps. No batch may
// meet a deadlock (PostgreSQL would abort it after deadlock_timeout and runBatch re-run it
// operation by operation): every batch commits as it was sent.
TEST_P(LedgerBackendTest, TwoNodesNamingTheSameClaimsEveryWayNeverDeadlock) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    constexpr int kClaims = 12;
    constexpr int kBatchesPerNode = 40;
    constexpr int kOperationsPerBatch = 6;
    struct Named {
        std::string citizen;
        std::string id;
        std::string code;
    };
    std::vector<Named> claims;
    for (int i = 0; i < kClaims; ++i) {
        const std::string citizen = "dl-" + std::to_string(i);
        const auto held = apply(holdOf(citizen, "h-" + citizen));
        ASSERT_TRUE(held.claim) << held.body;
        claims.push_back({citizen, held.claim->claim_id, held.claim->claim_code});
    }
    SecondNode node_b(uri_, renderer_, kRetentionMillis);
    const auto runNode = [&](LedgerStore& store, ClaimEngine& engine, int node) {
        std::mt19937 random(static_cast<std::uint32_t>(7 + node));
        std::vector<std::string> problems;
        for (int k = 0; k < kBatchesPerNode; ++k) {
            std::vector<LedgerOperation> batch;
            std::vector<int> picks(kClaims);
            std::iota(picks.begin(), picks.end(), 0);
            std::shuffle(picks.begin(), picks.end(), random);
            for (int j = 0; j < kOperationsPerBatch; ++j) {
                const Named& claim =
                    claims[static_cast<std::size_t>(picks[static_cast<std::size_t>(j)])];
                const std::string key =
                    "n" + std::to_string(node) + "-" + std::to_string(k) + "-" + std::to_string(j);
                // 0-3: commit or void, by id or by code; 4: a new hold of the claim's citizen.
                const auto choice = random() % 5;
                const std::string& ref = choice % 2 == 0 ? claim.id : claim.code;
                if (choice == 4) {
                    batch.push_back(holdOf(claim.citizen, key));
                } else if (choice < 2) {
                    batch.push_back(commitOf(ref, key));
                } else {
                    batch.push_back(voidOf(ref, key));
                }
            }
            if (node == 1 && k % 8 == 0) batch.emplace_back(SweepOperation{});
            std::vector<LedgerReply> replies;
            const BatchResult result = runBatch(store, engine, batch, replies);
            if (!result.committed || result.isolated) {
                problems.push_back("node " + std::to_string(node) + " batch " + std::to_string(k) +
                                   ": " + result.error);
            }
        }
        return problems;
    };
    auto b_done =
        std::async(std::launch::async, [&] { return runNode(node_b.store, node_b.engine, 2); });
    const auto a_problems = runNode(*store_, engine_, 1);
    const auto b_problems = b_done.get();
    for (const auto& problem : a_problems) ADD_FAILURE() << problem;
    for (const auto& problem : b_problems) ADD_FAILURE() << problem;
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    const auto twins = claimgate::testing::pgQuery(
        uri_,
        "SELECT count(*) FROM (SELECT program, citizen_key FROM claims WHERE status IN "
        "('held', 'in_doubt', 'paid') GROUP BY 1, 2 HAVING count(*) > 1) AS twins");
    ASSERT_FALSE(twins.empty());
    EXPECT_EQ(twins[0][0], "0");
}

// The TTL sweep locks held claims in expiry order, not in claim-id order, so it must not wait
// for a row another batch holds (that wait could close a deadlock): it leaves that hold to the
// next sweep.
TEST_P(LedgerBackendTest, TheSweepPassesOverAHoldAnotherBatchHasLocked) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    const std::string a = applyJson(holdOf("a", "k1"), 201)["claim_id"];
    const std::string b = applyJson(holdOf("b", "k2"), 201)["claim_id"];
    clock_->advanceMillis(120'001);
    // Another node's batch that names the hold: it locks the row, and not the chain, which
    // it would take only at its end.
    PostgresLedgerStore other_batch(uri_);
    BatchReadSet reads;
    reads.claim_ids = {a};
    other_batch.beginIsolatedBatch(reads);

    auto sweeping = std::async(std::launch::async, [&] { return apply(SweepOperation{}); });
    const bool swept_without_waiting =
        sweeping.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    other_batch.rollback();
    ASSERT_TRUE(swept_without_waiting) << "the sweep waited for the locked hold";
    const LedgerReply first = sweeping.get();
    EXPECT_EQ(nlohmann::json::parse(first.body)["expired"], 1) << first.body;
    EXPECT_EQ(store_->findClaim(a)->status, ClaimStatus::held);
    EXPECT_EQ(store_->findClaim(b)->status, ClaimStatus::in_doubt);

    const LedgerReply second = apply(SweepOperation{});
    EXPECT_EQ(nlohmann::json::parse(second.body)["expired"], 1) << second.body;
    EXPECT_EQ(second.in_doubt_total, std::optional<std::int64_t>(2));
    EXPECT_EQ(store_->findClaim(a)->status, ClaimStatus::in_doubt);
}

TEST_P(LedgerBackendTest, AnIsolatedBatchLocksTheClaimsItNamesInIdOrderFirst) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    expectClaimsLockedInIdOrder(
        *store_, engine_, uri_,
        [&](const std::string& higher, const std::string& lower) {
            BatchReadSet reads;
            // An id or code with the characters an array literal quotes names no claim, and no
            // error.
            reads.claim_ids = {higher, lower, R"(c_"odd, {id}\)"};
            reads.claim_codes = {{"BANK-A", R"(odd "code", {x}\)"}};
            store_->beginIsolatedBatch(reads);
        },
        [&] {
            // The batch holds both rows now: another connection can take neither.
            std::vector<std::string> ids;
            store_->forEachClaim([&](const ClaimRecord& claim) {
                ids.push_back(claim.claim_id);
                return true;
            });
            ASSERT_EQ(ids.size(), 2U);
            for (const auto& id : ids) {
                EXPECT_THROW(
                    claimgate::testing::pgQuery(uri_, "SELECT 1 FROM claims WHERE claim_id = '" +
                                                          id + "' FOR UPDATE NOWAIT"),
                    std::runtime_error)
                    << id;
            }
            store_->rollback();
        });
}

TEST_P(LedgerBackendTest, AnIsolatedBatchLocksAClaimItNamesByCodeInIdOrderToo) {
    if (GetParam() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL is shared by nodes";
    expectClaimsLockedInIdOrder(
        *store_, engine_, uri_,
        [&](const std::string& higher, const std::string& lower) {
            const auto lower_claim = store_->findClaim(lower);  // no transaction: no lock
            ASSERT_TRUE(lower_claim);
            BatchReadSet reads;
            reads.claim_ids = {higher};
            reads.claim_codes = {{lower_claim->operator_id, lower_claim->claim_code}};
            store_->beginIsolatedBatch(reads);
        },
        [&] { store_->rollback(); });
}

// Dispense time (contracts §6): the terminal's clock beside the gateway's, in the claim and in
// the hashed event; an event without one keeps the bytes it always had.
TEST_P(LedgerBackendTest, CommitKeepsTheDispenseTimeBesideThePaidTime) {
    const std::int64_t held_at = clock_->nowMillis();
    const std::string a = applyJson(holdOf("a", "h-a"), 201)["claim_id"];
    clock_->advanceMillis(1000);
    CommitOperation commit = commitOf(a, "c-a");
    commit.dispensed_at = held_at + 600;
    const LedgerReply paid = apply(commit);
    ASSERT_EQ(paid.http_status, 200) << paid.body;
    EXPECT_FALSE(paid.dispense_time_implausible);
    const auto claim = store_->findClaim(a);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->paid_at, std::optional<std::int64_t>(held_at + 1000));
    EXPECT_EQ(claim->dispensed_at, std::optional<std::int64_t>(held_at + 600));
    EXPECT_EQ(claim->toJson()["dispensed_at"], protocols::formatRfc3339Millis(held_at + 600));
    const auto paid_event = nlohmann::json::parse(store_->lastEvent()->body);
    EXPECT_EQ(paid_event["type"], "paid");
    EXPECT_EQ(paid_event["dispensed_at"], held_at + 600);
    bool visited = false;
    store_->forEachClaim([&](const ClaimRecord& row) {
        visited = true;
        EXPECT_EQ(row.dispensed_at, std::optional<std::int64_t>(held_at + 600));
        return true;
    });
    EXPECT_TRUE(visited);

    // A terminal built before dispense times: nothing stored, and the event has no such field.
    const std::string b = applyJson(holdOf("b", "h-b"), 201)["claim_id"];
    ASSERT_EQ(apply(commitOf(b, "c-b")).http_status, 200);
    EXPECT_FALSE(store_->findClaim(b)->dispensed_at);
    EXPECT_FALSE(store_->findClaim(b)->toJson().contains("dispensed_at"));
    EXPECT_FALSE(nlohmann::json::parse(store_->lastEvent()->body).contains("dispensed_at"));
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 4);
}

// A commit is cash already out: an implausible dispense time is stored as sent and flagged, never
// refused; within the clock-skew limit it is believed.
TEST_P(LedgerBackendTest, AnImplausibleDispenseTimeIsStoredAndFlagged) {
    const std::int64_t held_at = clock_->nowMillis();
    const std::string ahead = applyJson(holdOf("a", "h-a"), 201)["claim_id"];
    const std::string before_hold = applyJson(holdOf("b", "h-b"), 201)["claim_id"];
    const std::string skewed = applyJson(holdOf("c", "h-c"), 201)["claim_id"];
    clock_->advanceMillis(2000);
    const std::int64_t now = clock_->nowMillis();
    const auto commitAt = [&](const std::string& id, const std::string& key,
                              std::int64_t dispensed_at) {
        CommitOperation commit = commitOf(id, key);
        commit.dispensed_at = dispensed_at;
        return apply(commit);
    };
    const LedgerReply future =
        commitAt(ahead, "c-a", now + protocols::kDispenseClockSkewMaxMillis + 1);
    EXPECT_EQ(future.http_status, 200) << future.body;
    EXPECT_TRUE(future.dispense_time_implausible);
    const LedgerReply early =
        commitAt(before_hold, "c-b", held_at - protocols::kDispenseClockSkewMaxMillis - 1);
    EXPECT_EQ(early.http_status, 200) << early.body;
    EXPECT_TRUE(early.dispense_time_implausible);
    const LedgerReply slow_clock = commitAt(skewed, "c-c", held_at - 60'000);
    EXPECT_EQ(slow_clock.http_status, 200) << slow_clock.body;
    EXPECT_FALSE(slow_clock.dispense_time_implausible);

    const auto stored = store_->findClaim(ahead);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, ClaimStatus::paid);
    EXPECT_EQ(stored->dispensed_at,
              std::optional<std::int64_t>(now + protocols::kDispenseClockSkewMaxMillis + 1));
    EXPECT_EQ(protocols::paidBusinessTime(stored->held_at, *stored->paid_at, stored->dispensed_at),
              now);
    const auto believed = store_->findClaim(skewed);
    EXPECT_EQ(
        protocols::paidBusinessTime(believed->held_at, *believed->paid_at, believed->dispensed_at),
        held_at - 60'000);
}

// A ledger written before dispense times (schema 2) gains the column when a gateway opens it;
// its claims and chain stay as they were.
TEST_P(LedgerBackendTest, AnOlderLedgerIsUpgradedWithTheDispenseColumn) {
    makeHistory();
    store_.reset();
    if (GetParam() == Backend::sqlite) {
        rawSql(
            "ALTER TABLE claims DROP COLUMN dispensed_at; "
            "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    } else {
        rawSql(
            "ALTER TABLE claims DROP COLUMN dispensed_at; "
            "UPDATE schema_version SET version = 2");
    }
    if (GetParam() == Backend::sqlite) {
        store_ = std::make_unique<SqliteLedgerStore>(path_);
        EXPECT_EQ(store_->getMeta("schema_version"), std::optional<std::string>("6"));
    } else {
        store_ = std::make_unique<PostgresLedgerStore>(uri_);
        EXPECT_EQ(claimgate::testing::pgQuery(uri_, "SELECT version FROM schema_version")[0][0],
                  "3");
    }
    std::int64_t paid_before = 0;
    store_->forEachClaim([&](const ClaimRecord& row) {
        EXPECT_FALSE(row.dispensed_at) << row.claim_id;
        paid_before += row.status == ClaimStatus::paid ? 1 : 0;
        return true;
    });
    EXPECT_EQ(paid_before, 1);
    const std::int64_t held_at = clock_->nowMillis();
    const std::string d = applyJson(holdOf("d", "h-d"), 201)["claim_id"];
    CommitOperation commit = commitOf(d, "c-d");
    commit.dispensed_at = held_at + 5;
    clock_->advanceMillis(10);
    ASSERT_EQ(apply(commit).http_status, 200);
    EXPECT_EQ(store_->findClaim(d)->dispensed_at, std::optional<std::int64_t>(held_at + 5));
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 7);
}

// Schema 4 (SQLite): the claims table's CHECK and the blocking index test the status with
// comparisons, not IN lists, which SQLite evaluated through a temporary B-tree five times per
// claim. A ledger of schema 3 is rebuilt when a gateway opens it: every claim, event and
// reply stays, and the one-blocking-claim rule holds on the rebuilt index.
TEST_P(LedgerBackendTest, ASchema3LedgerIsRebuiltWithoutInListsAndKeepsItsClaims) {
    if (GetParam() != Backend::sqlite) GTEST_SKIP() << "the IN-list cost is SQLite's";
    makeHistory();
    const std::map<std::string, ClaimStatus> before = claimStatuses();
    store_.reset();
    // Schema 3's claims table, as gateways before schema 4 created it.
    rawSql(
        "CREATE TABLE claims_v3 (claim_id TEXT PRIMARY KEY, claim_code TEXT NOT NULL, "
        "program TEXT NOT NULL, citizen_key BLOB NOT NULL, citizen_mask TEXT NOT NULL, "
        "channel TEXT NOT NULL, operator TEXT NOT NULL, terminal_id TEXT NOT NULL, "
        "amount INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('held', 'in_doubt', "
        "'paid', 'voided')), held_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, "
        "paid_at INTEGER, voided_at INTEGER, terminal_ref TEXT, reason TEXT, "
        "dispensed_at INTEGER) WITHOUT ROWID; "
        "INSERT INTO claims_v3 SELECT * FROM claims; DROP TABLE claims; "
        "ALTER TABLE claims_v3 RENAME TO claims; "
        "CREATE UNIQUE INDEX claims_one_blocking ON claims (program, citizen_key) "
        "WHERE status IN ('held', 'in_doubt', 'paid'); "
        "CREATE UNIQUE INDEX claims_code ON claims (operator, claim_code); "
        "CREATE INDEX claims_held_expiry ON claims (expires_at) WHERE status = 'held'; "
        "UPDATE meta SET value = '3' WHERE key = 'schema_version'");
    ASSERT_EQ(claimgate::testing::countRows(path_, "sqlite_schema",
                                            "tbl_name = 'claims' AND sql LIKE '% IN (%'"),
              2);

    store_ = std::make_unique<SqliteLedgerStore>(path_);
    EXPECT_EQ(store_->getMeta("schema_version"), std::optional<std::string>("6"));
    EXPECT_EQ(claimgate::testing::countRows(path_, "sqlite_schema",
                                            "tbl_name = 'claims' AND sql LIKE '% IN (%'"),
              0);
    EXPECT_EQ(claimgate::testing::countRows(path_, "sqlite_schema",
                                            "tbl_name = 'claims' AND type = 'index'"),
              3);
    expectTheClaimsAndTheChainKept(before);
    EXPECT_EQ(verifyChain(*store_).events, 5);

    // a is paid, c is held: both still block; b was voided: free to claim again.
    EXPECT_EQ(errorCode(apply(holdOf("a", "h-a2"))), "already_claimed");
    EXPECT_EQ(errorCode(apply(holdOf("c", "h-c2"))), "already_claimed");
    applyJson(holdOf("b", "h-b2"), 201);
    expectTheIndexRefusesASecondBlockingClaim("c");
    // A replay of a pre-upgrade request still gets its stored reply.
    EXPECT_EQ(apply(holdOf("c", "h-c")).outcome, LedgerOutcome::replayed);
}

// Schema 4's claims table, as gateways before schema 5 created it (SQLite).
constexpr const char* kSchema4Claims =
    "CREATE TABLE claims_v4 (claim_id TEXT PRIMARY KEY, claim_code TEXT NOT NULL, "
    "program TEXT NOT NULL, citizen_key BLOB NOT NULL, citizen_mask TEXT NOT NULL, "
    "channel TEXT NOT NULL, operator TEXT NOT NULL, terminal_id TEXT NOT NULL, "
    "amount INTEGER NOT NULL, status TEXT NOT NULL CHECK (status = 'held' OR status = "
    "'in_doubt' OR status = 'paid' OR status = 'voided'), held_at INTEGER NOT NULL, "
    "expires_at INTEGER NOT NULL, paid_at INTEGER, voided_at INTEGER, terminal_ref TEXT, "
    "reason TEXT, dispensed_at INTEGER) WITHOUT ROWID; "
    "INSERT INTO claims_v4 SELECT * FROM claims; DROP TABLE claims; "
    "ALTER TABLE claims_v4 RENAME TO claims; "
    "CREATE UNIQUE INDEX claims_one_blocking ON claims (program, citizen_key) "
    "WHERE status <> 'voided'; "
    "CREATE UNIQUE INDEX claims_code ON claims (operator, claim_code); "
    "CREATE INDEX claims_held_expiry ON claims (expires_at) WHERE status = 'held'; "
    "UPDATE meta SET value = '4' WHERE key = 'schema_version'";

// Schema 5 (SQLite): invariant 1's index names voided_at, which only a void sets, so a commit
// no longer rewrites the citizen's index entry; a CHECK ties voided_at to the voided status, so
// the index still covers exactly the held, in-doubt and paid claims. A schema-4 ledger is
// rebuilt when a gateway opens it, and afterwards the database itself refuses a voided_at
// that disagrees with the status, in either direction.
TEST_P(LedgerBackendTest, ASchema4LedgerIsRebuiltWithTheIndexOnVoidedAtAndKeepsItsClaims) {
    if (GetParam() != Backend::sqlite) GTEST_SKIP() << "the partial index rewrite is SQLite's";
    makeHistory();
    const std::map<std::string, ClaimStatus> before = claimStatuses();
    store_.reset();
    rawSql(kSchema4Claims);

    store_ = std::make_unique<SqliteLedgerStore>(path_);
    EXPECT_EQ(store_->getMeta("schema_version"), std::optional<std::string>("6"));
    EXPECT_EQ(claimgate::testing::countRows(
                  path_, "sqlite_schema",
                  "name = 'claims_one_blocking' AND sql LIKE '%WHERE voided_at IS NULL'"),
              1);
    expectTheClaimsAndTheChainKept(before);

    // The CHECK: a voided_at on a claim that is not voided, or a void without one, is refused.
    EXPECT_THROW(rawSql("UPDATE claims SET voided_at = 1 WHERE status = 'paid'"),
                 std::runtime_error);
    EXPECT_THROW(rawSql("UPDATE claims SET status = 'voided' WHERE status = 'held'"),
                 std::runtime_error);
    // a is paid, c is held: both still block; b was voided: free to claim again, and the new
    // claim blocks in its turn, through a commit that left its index entry alone.
    EXPECT_EQ(errorCode(apply(holdOf("a", "h-a2"))), "already_claimed");
    EXPECT_EQ(errorCode(apply(holdOf("c", "h-c2"))), "already_claimed");
    const std::string b2 = applyJson(holdOf("b", "h-b2"), 201)["claim_id"];
    applyJson(commitOf(b2, "c-b2"), 200);
    EXPECT_EQ(store_->findBlockingClaim("CASH2023", keyFor("b"))->claim_id, b2);
    EXPECT_EQ(errorCode(apply(holdOf("b", "h-b3"))), "already_claimed");
    expectTheIndexRefusesASecondBlockingClaim("b");
}

// An upgrade that meets a row the new CHECK refuses fails as a whole: the gateway does not
// start, and the ledger stays at schema 4 with every claim, for an operator to look at.
TEST_P(LedgerBackendTest, AnUpgradeThatMeetsAStrayVoidedAtChangesNothing) {
    if (GetParam() != Backend::sqlite) GTEST_SKIP() << "schema 5 is SQLite's";
    makeHistory();
    store_.reset();
    rawSql(kSchema4Claims);
    rawSql("UPDATE claims SET voided_at = 1 WHERE status = 'held'");

    try {
        SqliteLedgerStore refused(path_);
        ADD_FAILURE() << "the upgrade accepted a held claim with a voided_at";
    } catch (const LedgerStoreError& error) {
        EXPECT_THAT(error.what(), ::testing::HasSubstr("voided_at disagrees with its status"));
        EXPECT_THAT(error.what(), ::testing::HasSubstr("CHECK constraint failed"));
    }
    EXPECT_EQ(
        claimgate::testing::countRows(path_, "meta", "key = 'schema_version' AND value = '4'"), 1);
    EXPECT_EQ(claimgate::testing::countRows(path_, "claims"), 3);
    EXPECT_EQ(claimgate::testing::countRows(
                  path_, "sqlite_schema",
                  "name = 'claims_one_blocking' AND sql LIKE '%status <> ''voided'''"),
              1);
}

// Schema 6 (SQLite): the idempotency rows live in a rowid table with a unique index on
// (operator, key), instead of a table clustered on that key. A schema-5 ledger is rebuilt when
// a gateway opens it; every stored reply is still found, byte for byte, a retry still gets it,
// and the index still refuses a second reply under one key.
TEST_P(LedgerBackendTest, ASchema5LedgerKeepsEveryStoredReplyInTheRowidIdempotencyTable) {
    if (GetParam() != Backend::sqlite) GTEST_SKIP() << "the idempotency layout is SQLite's";
    makeHistory();
    const std::vector<std::string> keys = {"h-a", "c-a", "h-b", "v-b", "h-c"};
    std::map<std::string, std::string> before;
    for (const std::string& key : keys) before[key] = store_->findReply("BANK004", key)->body;
    store_.reset();
    rawSql(
        "CREATE TABLE idempotency_v5 (operator TEXT NOT NULL, key TEXT NOT NULL, "
        "request_hash BLOB NOT NULL, http_status INTEGER NOT NULL, reply TEXT NOT NULL, "
        "created_at INTEGER NOT NULL, PRIMARY KEY (operator, key)) WITHOUT ROWID; "
        "INSERT INTO idempotency_v5 SELECT operator, key, request_hash, http_status, reply, "
        "created_at FROM idempotency; DROP TABLE idempotency; "
        "ALTER TABLE idempotency_v5 RENAME TO idempotency; "
        "CREATE INDEX idempotency_created ON idempotency (created_at); "
        "UPDATE meta SET value = '5' WHERE key = 'schema_version'");

    store_ = std::make_unique<SqliteLedgerStore>(path_);
    EXPECT_EQ(store_->getMeta("schema_version"), std::optional<std::string>("6"));
    EXPECT_EQ(
        claimgate::testing::countRows(path_, "sqlite_schema",
                                      "name = 'idempotency' AND sql NOT LIKE '%WITHOUT ROWID%'"),
        1);
    EXPECT_EQ(claimgate::testing::countRows(
                  path_, "sqlite_schema",
                  "tbl_name = 'idempotency' AND type = 'index' AND sql LIKE 'CREATE UNIQUE%'"),
              1);
    EXPECT_EQ(claimgate::testing::integrityCheck(path_), "ok");
    std::map<std::string, std::string> after;
    for (const std::string& key : keys) after[key] = store_->findReply("BANK004", key)->body;
    EXPECT_EQ(after, before);

    const LedgerReply retry = apply(holdOf("c", "h-c"));
    EXPECT_EQ(retry.outcome, LedgerOutcome::replayed);
    EXPECT_EQ(retry.body, before["h-c"]);
    StoredReply twin = *store_->findReply("BANK004", "h-c");
    twin.body = "{}";
    store_->begin();
    EXPECT_THROW(store_->saveReply("BANK004", "h-c", twin, clock_->nowMillis()), LedgerStoreError);
    store_->rollback();
    EXPECT_EQ(store_->findReply("BANK004", "h-c")->body, before["h-c"]);
}

// The page cache layer (sqlite_page_cache.cpp) skips truncations that cannot drop a page.
// A transaction that grows the file through page splits and is rolled back must still leave
// no page of it behind: the next transaction grows the file again over the same page numbers.
TEST_P(LedgerBackendTest, GrowthRolledBackThenRegrownLeavesAnIntactLedger) {
    if (GetParam() != Backend::sqlite) GTEST_SKIP() << "SQLite's page cache";
    makeHistory();
    // One connection for all of it, so that its cache sees the rollback and the regrowth.
    rawSql(
        "CREATE TABLE scratch (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID; "
        "BEGIN; "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
        "INSERT INTO scratch SELECT randomblob(16), randomblob(300) FROM n; "
        "ROLLBACK; "
        "BEGIN; "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
        "INSERT INTO scratch SELECT randomblob(16), zeroblob(200) FROM n; "
        "COMMIT;");
    EXPECT_EQ(claimgate::testing::countRows(path_, "scratch"), 2000);
    EXPECT_EQ(claimgate::testing::countRows(path_, "scratch", "length(v) <> 200"), 0);
    EXPECT_EQ(claimgate::testing::integrityCheck(path_), "ok");
    // And through the store's own connection: a batch of holds refused as a whole (rolled
    // back after its page splits), then the same holds committed.
    std::vector<LedgerOperation> holds;
    for (int i = 0; i < 400; ++i) {
        holds.emplace_back(holdOf("r" + std::to_string(i), "h-r" + std::to_string(i)));
    }
    std::vector<LedgerReply> replies;
    PoisoningStore poisoned(*store_);
    poisoned.poison(keyFor("r399"));
    const BatchResult refused =
        runBatch(poisoned, engine_, holds, replies, {}, OnRefusal::fail_batch);
    EXPECT_FALSE(refused.committed);
    EXPECT_EQ(claimgate::testing::countRows(path_, "claims"), 3);
    const BatchResult committed = runBatch(*store_, engine_, holds, replies);
    EXPECT_TRUE(committed.committed) << committed.error;
    EXPECT_EQ(claimgate::testing::countRows(path_, "claims"), 403);
    EXPECT_EQ(claimgate::testing::integrityCheck(path_), "ok");
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 405);
}

// The ledger's connection writes a commit's WAL frames in runs (sqlite_wal_batching_vfs.cpp).
// A commit far larger than one run, then a checkpoint that restarts the WAL and commits that
// write over its start: every claim is visible to another connection right after each commit,
// and the file and the chain are intact.
TEST_P(LedgerBackendTest, CommitsLargerThanOneWalRunAndAWalRestartStayReadableAndIntact) {
    if (GetParam() != Backend::sqlite) GTEST_SKIP() << "SQLite's WAL";
    std::vector<LedgerOperation> holds;
    for (int i = 0; i < 3000; ++i) {
        holds.emplace_back(holdOf("w" + std::to_string(i), "h-w" + std::to_string(i)));
    }
    std::vector<LedgerReply> replies;
    const BatchResult big = runBatch(*store_, engine_, holds, replies);
    ASSERT_TRUE(big.committed) << big.error;
    // Read through a connection of its own, right after the commit returned.
    EXPECT_EQ(claimgate::testing::countRows(path_, "claims"), 3000);
    EXPECT_EQ(claimgate::testing::countRows(path_, "idempotency"), 3000);
    EXPECT_GT(std::filesystem::file_size(path_ + "-wal"), 2 * kWalWriteBatchMaxBytes)
        << "the commit must span several runs of writes";

    claimgate::testing::execSql(path_, "PRAGMA wal_checkpoint(TRUNCATE)");
    for (int round = 0; round < 3; ++round) {
        std::vector<LedgerOperation> commits;
        for (int i = round * 100; i < round * 100 + 100; ++i) {
            commits.emplace_back(commitOf(replies[static_cast<std::size_t>(i)].claim->claim_id,
                                          "c-w" + std::to_string(i)));
        }
        std::vector<LedgerReply> committed;
        ASSERT_TRUE(runBatch(*store_, engine_, commits, committed).committed);
        EXPECT_EQ(claimgate::testing::countRows(path_, "claims", "status = 'paid'"),
                  (round + 1) * 100);
    }
    EXPECT_EQ(claimgate::testing::integrityCheck(path_), "ok");
    const auto chain = verifyChain(*store_);
    EXPECT_TRUE(chain.ok) << chain.problem;
    EXPECT_EQ(chain.events, 3300);
}

// An event body is written without a JSON DOM on the writer thread; its bytes must stay those
// the DOM wrote (sorted keys, no spaces), and text that needs escaping still goes through it.
TEST(ClaimEventBodyTest, TheDirectWriterWritesTheBytesTheJsonDomWrites) {
    const auto throughDom = [](std::int64_t seq, const ClaimRecord& claim, std::string_view type,
                               std::int64_t at, const std::string& actor) {
        nlohmann::json body = {{"seq", seq},
                               {"type", type},
                               {"claim_id", claim.claim_id},
                               {"program", claim.program},
                               {"citizen_key", protocols::toHex(claim.citizen_key)},
                               {"status", protocols::claimStatusName(claim.status)},
                               {"channel", protocols::channelName(claim.channel)},
                               {"operator", claim.operator_id},
                               {"terminal_id", claim.terminal_id},
                               {"amount", claim.amount},
                               {"at", at},
                               {"actor", actor}};
        if (claim.terminal_ref) body["terminal_ref"] = *claim.terminal_ref;
        if (claim.reason) body["reason"] = *claim.reason;
        if (claim.dispensed_at) body["dispensed_at"] = *claim.dispensed_at;
        return body.dump();
    };
    ClaimRecord claim;
    claim.claim_id = "c_2a3b4c5d6e7f";
    claim.claim_code = "1234567890";
    claim.program = "CASH2023";
    claim.citizen_key = keyFor("a");
    claim.channel = protocols::Channel::kiosk;
    claim.operator_id = "SEVEN01";
    claim.terminal_id = "kiosk-0001";
    claim.amount = 6000;
    claim.status = ClaimStatus::held;
    EXPECT_EQ(claimEventBody(1, claim, "held", 1'700'000'000'123, "kiosk-0001"),
              throughDom(1, claim, "held", 1'700'000'000'123, "kiosk-0001"));
    claim.status = ClaimStatus::paid;
    claim.terminal_ref = "rrn-000123";
    claim.dispensed_at = 1'700'000'000'100;
    claim.amount = -1;
    EXPECT_EQ(claimEventBody(922'337'203'685, claim, "paid_late", 0, "atm-9"),
              throughDom(922'337'203'685, claim, "paid_late", 0, "atm-9"));
    claim.status = ClaimStatus::voided;
    claim.dispensed_at.reset();
    claim.reason = "customer cancelled \x7f";
    EXPECT_EQ(claimEventBody(3, claim, "voided", 5, "ttl"),
              throughDom(3, claim, "voided", 5, "ttl"));
    // Text to escape (quotes, backslashes, control bytes, UTF-8) takes the DOM's path.
    for (const std::string reason : {"say \"no\"", "back\\slash", "tab\there", "\x01", "現金"}) {
        claim.reason = reason;
        claim.terminal_ref = reason;
        const std::string body = claimEventBody(4, claim, "voided", 6, reason);
        EXPECT_EQ(body, throughDom(4, claim, "voided", 6, reason)) << reason;
        EXPECT_EQ(nlohmann::json::parse(body)["reason"], reason);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerBackendTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql), backendName);

}  // namespace
}  // namespace claimgate::gateway::testing
