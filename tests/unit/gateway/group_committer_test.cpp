// GroupCommitter over runBatch: batching (sizes and the histogram), the queue bound, no
// savepoints in the common case, per-operation isolation after a database refusal, and a failed
// commit answering every waiter `unavailable` with nothing applied.
#include "ledger_operation_builders.hpp"
#include "writer_gate.hpp"

#include "mocks/mock_ledger_store.hpp"
#include "temp_dir.hpp"
#include <claimgate/gateway/claim_reply_renderer.hpp>
#include <claimgate/ledger/clock.hpp>
#include <claimgate/ledger/group_committer.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

namespace claimgate::gateway::testing {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::NiceMock;

class GroupCommitterTest : public ::testing::Test {
protected:
    GroupCommitterTest()
        : clock_(std::make_shared<ManualClock>(claimgate::testing::kStandardNowMillis)),
          engine_(clock_, 1000, ClaimReplyRenderer(nullptr)) {
        store_.behaveAsEmptyLedger();
        ON_CALL(store_, begin()).WillByDefault(Invoke([this] { gate_.onBegin(); }));
    }

    std::unique_ptr<GroupCommitter> makeCommitter(std::size_t batch_max, std::size_t depth_max) {
        return std::make_unique<GroupCommitter>(store_, engine_, batch_max, depth_max,
                                                [this](const std::vector<LedgerReply*>& replies) {
                                                    listener_calls_ += 1;
                                                    listener_replies_ += replies.size();
                                                });
    }

    NiceMock<MockLedgerStore> store_;
    std::shared_ptr<ManualClock> clock_;
    ClaimEngine engine_;
    WriterGate gate_;
    std::atomic<int> listener_calls_{0};
    std::atomic<std::size_t> listener_replies_{0};
};

TEST_F(GroupCommitterTest, DrainsTheQueueInBatchesOfAtMostBatchMax) {
    auto committer = makeCommitter(4, 100);
    std::vector<std::future<LedgerReply>> futures;
    futures.push_back(*committer->submit(SweepOperation{}));
    ASSERT_TRUE(gate_.waitEntered());
    for (int i = 0; i < 10; ++i) futures.push_back(*committer->submit(SweepOperation{}));
    EXPECT_EQ(committer->queueDepth(), 10U);
    gate_.open();
    for (auto& future : futures) EXPECT_EQ(future.get().outcome, LedgerOutcome::done);
    const auto& stats = committer->stats();
    EXPECT_EQ(stats.batches.load(), 4U);  // 1, then 4 + 4 + 2
    EXPECT_EQ(stats.operations.load(), 11U);
    EXPECT_EQ(stats.batch_size_buckets[0].load(), 1U);  // size 1
    EXPECT_EQ(stats.batch_size_buckets[1].load(), 1U);  // size 2
    EXPECT_EQ(stats.batch_size_buckets[2].load(), 2U);  // size 4
    EXPECT_EQ(listener_calls_.load(), 4);
    EXPECT_EQ(listener_replies_.load(), 11U);
}

TEST_F(GroupCommitterTest, RefusesBeyondTheQueueBoundButHousekeepingStillGetsIn) {
    auto committer = makeCommitter(1, 2);
    auto first = committer->submit(SweepOperation{});
    ASSERT_TRUE(first);
    ASSERT_TRUE(gate_.waitEntered());
    auto second = committer->submit(SweepOperation{});
    auto third = committer->submit(SweepOperation{});
    ASSERT_TRUE(second && third);
    EXPECT_FALSE(committer->submit(SweepOperation{}));  // 2 queued = the bound
    auto housekeeping = committer->submitUnbounded(SweepOperation{});
    EXPECT_EQ(committer->queueDepth(), 3U);
    gate_.open();
    EXPECT_EQ(first->get().outcome, LedgerOutcome::done);
    EXPECT_EQ(second->get().outcome, LedgerOutcome::done);
    EXPECT_EQ(third->get().outcome, LedgerOutcome::done);
    EXPECT_EQ(housekeeping.get().outcome, LedgerOutcome::done);
    EXPECT_TRUE(committer->submit(SweepOperation{}));
}

TEST_F(GroupCommitterTest, ACleanBatchIsOneTransactionWithoutSavepoints) {
    EXPECT_CALL(store_, savepoint()).Times(0);
    EXPECT_CALL(store_, rollback()).Times(0);
    auto committer = makeCommitter(8, 100);
    std::vector<std::future<LedgerReply>> futures;
    futures.push_back(*committer->submit(holdOf("a", "k0")));
    ASSERT_TRUE(gate_.waitEntered());
    for (int i = 1; i < 6; ++i) {
        futures.push_back(
            *committer->submit(holdOf("c" + std::to_string(i), "k" + std::to_string(i))));
    }
    gate_.open();
    for (auto& future : futures) EXPECT_EQ(future.get().http_status, 201);
    EXPECT_EQ(committer->stats().batches.load(), 2U);
}

TEST_F(GroupCommitterTest, FailedCommitAnswersEveryWaiterUnavailableAndPublishesNothing) {
    ON_CALL(store_, commit()).WillByDefault(Invoke([] {
        throw LedgerStoreError("disk I/O error");
    }));
    EXPECT_CALL(store_, rollback()).Times(2);
    auto committer = makeCommitter(8, 100);
    std::vector<std::future<LedgerReply>> futures;
    futures.push_back(*committer->submit(holdOf("a", "k0")));
    ASSERT_TRUE(gate_.waitEntered());
    for (int i = 1; i < 6; ++i) {
        futures.push_back(
            *committer->submit(holdOf("c" + std::to_string(i), "k" + std::to_string(i))));
    }
    gate_.open();
    for (auto& future : futures) {
        const LedgerReply reply = future.get();
        EXPECT_EQ(reply.outcome, LedgerOutcome::unavailable);
        EXPECT_TRUE(reply.index_updates.empty());
    }
    EXPECT_EQ(listener_calls_.load(), 0);
    EXPECT_EQ(committer->stats().failed_batches.load(), 2U);
    EXPECT_EQ(committer->stats().batches.load(), 0U);
}

// The insert is the check: a hold that lands reads no claim before it (two fewer look-ups per
// claim on SQLite); a refused one asks which unique index refused, and only then.
TEST_F(GroupCommitterTest, AHoldThatLandsReadsNoClaimFirstAndARefusalAsksWhichIndexRefused) {
    EXPECT_CALL(store_, findBlockingClaim(_, _)).Times(0);
    EXPECT_CALL(store_, claimCodeExists(_, _)).Times(0);
    auto committer = makeCommitter(8, 100);
    gate_.open();
    EXPECT_EQ(committer->submit(holdOf("a", "k1"))->get().outcome, LedgerOutcome::created);
    ::testing::Mock::VerifyAndClearExpectations(&store_);

    ClaimRecord blocking;
    blocking.claim_id = "c_blocking";
    blocking.claim_code = "123456789012";
    blocking.program = "CASH2023";
    blocking.citizen_key = keyFor("b");
    blocking.status = protocols::ClaimStatus::held;
    ON_CALL(store_, insertClaim(_)).WillByDefault(::testing::Return(false));
    EXPECT_CALL(store_, findBlockingClaim("CASH2023", keyFor("b")))
        .WillOnce(::testing::Return(blocking));
    EXPECT_CALL(store_, saveReply("BANK004", "k2", _, _)).Times(1);
    const LedgerReply claimed = committer->submit(holdOf("b", "k2"))->get();
    EXPECT_EQ(claimed.outcome, LedgerOutcome::already_claimed);
    ASSERT_TRUE(claimed.claim);
    EXPECT_EQ(claimed.claim->claim_id, "c_blocking");
    ::testing::Mock::VerifyAndClearExpectations(&store_);

    // No blocking claim: the operator's claim code was the twin. Not stored under the key.
    EXPECT_CALL(store_, findBlockingClaim(_, _)).WillOnce(::testing::Return(std::nullopt));
    EXPECT_CALL(store_, claimCodeExists("BANK004", _)).WillOnce(::testing::Return(true));
    EXPECT_CALL(store_, saveReply(_, _, _, _)).Times(0);
    EXPECT_EQ(committer->submit(holdOf("c", "k3"))->get().outcome, LedgerOutcome::unavailable);
}

TEST_F(GroupCommitterTest, OneFailingOperationRollsBackOnlyItself) {
    ON_CALL(store_, insertClaim(_)).WillByDefault(Invoke([](const ClaimRecord& claim) {
        if (claim.citizen_key == keyFor("bad")) throw LedgerStoreError("constraint");
        return true;
    }));
    // The second batch's first attempt (no savepoints) is refused and rolled back, then re-run
    // op by op: one savepoint rolled back, one commit.
    EXPECT_CALL(store_, rollbackToSavepoint()).Times(1);
    EXPECT_CALL(store_, rollback()).Times(1);
    EXPECT_CALL(store_, commit()).Times(2);
    auto committer = makeCommitter(8, 100);
    auto first = *committer->submit(holdOf("a", "k0"));
    ASSERT_TRUE(gate_.waitEntered());
    auto good = *committer->submit(holdOf("good", "k1"));
    auto bad = *committer->submit(holdOf("bad", "k2"));
    auto good2 = *committer->submit(holdOf("good2", "k3"));
    gate_.open();
    EXPECT_EQ(first.get().http_status, 201);
    EXPECT_EQ(good.get().http_status, 201);
    EXPECT_EQ(bad.get().outcome, LedgerOutcome::unavailable);
    EXPECT_EQ(good2.get().http_status, 201);
}

/// A real SQLite ledger whose COMMIT fails: proves "nothing is applied" in the database.
TEST(GroupCommitterOnSqliteTest, FailedCommitLeavesTheLedgerUnchanged) {
    claimgate::testing::TempDir dir;
    SqliteLedgerStore real(dir.file("ledger.db"));
    NiceMock<MockLedgerStore> store;
    ON_CALL(store, begin()).WillByDefault(Invoke(&real, &SqliteLedgerStore::begin));
    ON_CALL(store, commit()).WillByDefault(Invoke([] { throw LedgerStoreError("fsync failed"); }));
    ON_CALL(store, rollback()).WillByDefault(Invoke(&real, &SqliteLedgerStore::rollback));
    ON_CALL(store, savepoint()).WillByDefault(Invoke(&real, &SqliteLedgerStore::savepoint));
    ON_CALL(store, releaseSavepoint())
        .WillByDefault(Invoke(&real, &SqliteLedgerStore::releaseSavepoint));
    ON_CALL(store, rollbackToSavepoint())
        .WillByDefault(Invoke(&real, &SqliteLedgerStore::rollbackToSavepoint));
    ON_CALL(store, findReply(_, _)).WillByDefault(Invoke(&real, &SqliteLedgerStore::findReply));
    ON_CALL(store, saveReply(_, _, _, _))
        .WillByDefault(Invoke(&real, &SqliteLedgerStore::saveReply));
    ON_CALL(store, findBlockingClaim(_, _))
        .WillByDefault(Invoke(&real, &SqliteLedgerStore::findBlockingClaim));
    ON_CALL(store, claimCodeExists(_, _))
        .WillByDefault(Invoke(&real, &SqliteLedgerStore::claimCodeExists));
    ON_CALL(store, insertClaim(_)).WillByDefault(Invoke(&real, &SqliteLedgerStore::insertClaim));
    ON_CALL(store, lastEvent()).WillByDefault(Invoke(&real, &SqliteLedgerStore::lastEvent));
    ON_CALL(store, appendEvent(_)).WillByDefault(Invoke(&real, &SqliteLedgerStore::appendEvent));

    auto clock = std::make_shared<ManualClock>(claimgate::testing::kStandardNowMillis);
    ClaimEngine engine(clock, 1000, ClaimReplyRenderer(nullptr));
    bool published = false;
    GroupCommitter committer(store, engine, 8, 100,
                             [&](const std::vector<LedgerReply*>&) { published = true; });
    auto a = *committer.submit(holdOf("a", "k1"));
    auto b = *committer.submit(holdOf("b", "k2"));
    EXPECT_EQ(a.get().outcome, LedgerOutcome::unavailable);
    EXPECT_EQ(b.get().outcome, LedgerOutcome::unavailable);
    committer.stop();
    EXPECT_FALSE(published);
    EXPECT_EQ(real.countClaims(protocols::ClaimStatus::held), 0);
    EXPECT_FALSE(real.lastEvent());
    EXPECT_FALSE(real.findReply("BANK004", "k1"));
}

// The gateway's engine renders the batch's replies on two threads (the writer's and the
// engine's own) before storing them. Under the thread sanitizer (scripts/sanitizer-tests.sh
// tsan) this is where a reply written by the render thread and read by the writer would show.
TEST(GroupCommitterOnSqliteTest, RepliesRenderedOnTwoThreadsAreTheStoredOnes) {
    claimgate::testing::TempDir dir;
    SqliteLedgerStore store(dir.file("ledger.db"));
    auto clock = std::make_shared<ManualClock>(claimgate::testing::kStandardNowMillis);
    ClaimEngine engine(clock, 1000, ClaimReplyRenderer(nullptr), /*render_in_background=*/true);
    GroupCommitter committer(store, engine, 64, 1000, {});
    constexpr int kHolds = 200;
    std::vector<std::future<LedgerReply>> holds;
    for (int i = 0; i < kHolds; ++i) {
        const std::string citizen = "c" + std::to_string(i);
        holds.push_back(*committer.submit(holdOf(citizen, "k-" + citizen)));
        if (i % 10 == 0) holds.push_back(*committer.submit(holdOf(citizen, "k-" + citizen)));
    }
    std::vector<std::future<LedgerReply>> commits;
    std::vector<std::string> bodies;
    for (auto& hold : holds) {
        const LedgerReply reply = hold.get();
        ASSERT_EQ(reply.http_status, 201) << reply.body;
        bodies.push_back(reply.body);
        const std::string claim_id = nlohmann::json::parse(reply.body)["claim_id"];
        if (reply.outcome == LedgerOutcome::created) {
            commits.push_back(*committer.submit(commitOf(claim_id, "pay-" + claim_id)));
        }
    }
    for (auto& commit : commits) EXPECT_EQ(commit.get().http_status, 200);
    committer.stop();
    EXPECT_EQ(commits.size(), static_cast<std::size_t>(kHolds));
    for (int i = 0; i < kHolds; ++i) {
        const std::string citizen = "c" + std::to_string(i);
        const auto stored = store.findReply("BANK004", "k-" + citizen);
        ASSERT_TRUE(stored);
        EXPECT_NE(std::find(bodies.begin(), bodies.end(), stored->body), bodies.end());
    }
    EXPECT_EQ(store.countClaims(protocols::ClaimStatus::paid), kHolds);
}

/// Holds and pays `holds` claims (citizens c0.., keys k-c..) through a group committer on
/// `store`, batches of up to 64, and stops it.
void holdAndPayThroughCommitter(SqliteLedgerStore& store, int holds) {
    auto clock = std::make_shared<ManualClock>(claimgate::testing::kStandardNowMillis);
    ClaimEngine engine(clock, 1000, ClaimReplyRenderer(nullptr));
    GroupCommitter committer(store, engine, 64, 4096, {});
    std::vector<std::future<LedgerReply>> held;
    for (int i = 0; i < holds; ++i) {
        const std::string citizen = "c" + std::to_string(i);
        held.push_back(*committer.submit(holdOf(citizen, "k-" + citizen)));
    }
    std::vector<std::future<LedgerReply>> commits;
    for (auto& hold : held) {
        const LedgerReply reply = hold.get();
        ASSERT_EQ(reply.http_status, 201) << reply.body;
        const std::string claim_id = nlohmann::json::parse(reply.body)["claim_id"];
        commits.push_back(*committer.submit(commitOf(claim_id, "pay-" + claim_id)));
    }
    for (auto& commit : commits) ASSERT_EQ(commit.get().http_status, 200);
    committer.stop();
}

/// After the store at `path` was closed: every claim of holdAndPayThroughCommitter is paid.
void expectEveryClaimPaidAfterReopening(const std::string& path, int holds) {
    SqliteLedgerStore reopened(path);
    EXPECT_EQ(reopened.countClaims(protocols::ClaimStatus::paid), holds);
    EXPECT_TRUE(reopened.findReply("BANK004", "k-c" + std::to_string(holds - 1)));
}

// A serving node checkpoints the WAL on its own thread (issue 9: a claim's p99 must not include
// a checkpoint). The writer never runs one itself below its safety limit, the background thread
// does, and everything committed is in the file after the store closes. Under the thread
// sanitizer this is also the writer and the checkpointer on one database at once.
TEST(GroupCommitterOnSqliteTest, CheckpointsRunBesideTheWriterNotOnIt) {
    claimgate::testing::TempDir dir;
    constexpr int kHolds = 1500;
    {
        SqliteLedgerStore store(dir.file("ledger.db"));
        store.startBackgroundCheckpoints();
        ASSERT_NO_FATAL_FAILURE(holdAndPayThroughCommitter(store, kHolds));
        // The thread checkpoints at least once a second while the WAL holds anything.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (store.backgroundCheckpoints() == 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        EXPECT_GE(store.backgroundCheckpoints(), 1U);
        EXPECT_EQ(store.writerCheckpoints(), 0U);
        // A pass that copied pages also started their write-back to the database file.
        EXPECT_GE(store.backgroundWritebacks(), 1U);
    }
    expectEveryClaimPaidAfterReopening(dir.file("ledger.db"), kHolds);
}

// The valve (SqliteLedgerStore::onWalCommit): a busy writer leaves the background thread no
// moment in which all of the WAL is copied, so the WAL would never start over from its top and
// would grow for as long as the load lasts. Past its limit the writer checkpoints itself after
// its commit, and the WAL starts over. The limit is lowered here from 32,768 frames to 200 so
// that a short run passes it many times; the WAL file then stays near that size instead of
// holding every page the run wrote, and everything committed is in the database.
TEST(GroupCommitterOnSqliteTest, PastItsLimitTheWriterCheckpointsAndTheWalStartsOver) {
    claimgate::testing::TempDir dir;
    constexpr int kHolds = 3000;
    constexpr int kValveFrames = 200;
    constexpr std::uintmax_t kFrameBytes = 4096 + 24;  // page + WAL frame header
    std::uintmax_t wal_bytes = 0;
    {
        SqliteLedgerStore store(dir.file("ledger.db"));
        store.startBackgroundCheckpoints();
        store.setWriterCheckpointFrames(kValveFrames);
        ASSERT_NO_FATAL_FAILURE(holdAndPayThroughCommitter(store, kHolds));
        EXPECT_GE(store.writerCheckpoints(), 2U);
        wal_bytes = std::filesystem::file_size(dir.file("ledger.db") + "-wal");
    }
    // Every page of the database went through the WAL at least once.
    const std::uintmax_t database_bytes = std::filesystem::file_size(dir.file("ledger.db"));
    // Measured: ~400 frames against ~1,400 pages; without the valve, ~17,500 frames.
    EXPECT_LT(wal_bytes, database_bytes)
        << wal_bytes / kFrameBytes << " WAL frames, " << database_bytes / 4096 << " pages";
    expectEveryClaimPaidAfterReopening(dir.file("ledger.db"), kHolds);
}

}  // namespace
}  // namespace claimgate::gateway::testing
