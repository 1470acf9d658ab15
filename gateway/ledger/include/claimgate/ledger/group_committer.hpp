// File: group_committer.hpp
// The ledger's write path (contracts §6): request threads enqueue operations on a bounded queue;
// one writer drains up to `batch_max` of them, applies them in one transaction through
// runBatch() (batch_runner.hpp), commits (one fsync for the whole batch) and only then completes
// every waiting request. So a reply is never sent for a change that is not durable (invariant 2),
// and a full queue is refused at once rather than growing (invariant 7).
#pragma once

#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/database_health.hpp>
#include <claimgate/ledger/ledger_operation.hpp>
#include <claimgate/ledger/ledger_store.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace claimgate::gateway {

struct GroupCommitStats {
    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::uint64_t> operations{0};
    std::atomic<std::uint64_t> failed_batches{0};
    /// Committed batches that the database refused once and that were re-run operation by
    /// operation: a write refused (a lost race with another node, a deadlock, one bad row).
    /// Each such batch costs a second transaction; a steady rate says the nodes contend.
    std::atomic<std::uint64_t> rerun_batches{0};
    /// Histogram of batch sizes: bucket i counts batches of size <= 2^i (last: larger).
    static constexpr std::size_t kBatchSizeBuckets = 14;
    std::atomic<std::uint64_t> batch_size_buckets[kBatchSizeBuckets]{};
    /// Histogram of commit latency (begin to durable commit) per batch; last bucket: larger.
    static constexpr std::array<std::int64_t, 13> kCommitMicrosBounds = {
        250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000};
    std::atomic<std::uint64_t> commit_micros_buckets[kCommitMicrosBounds.size() + 1]{};
    std::atomic<std::uint64_t> commit_micros_sum{0};
};

class GroupCommitter {
public:
    /// Called by the writer after each durable commit, with every reply of the batch, before
    /// the waiting requests are released (so the index is never behind an acknowledged reply).
    using CommitListener = std::function<void(const std::vector<LedgerReply*>&)>;

    GroupCommitter(LedgerStore& store, ClaimEngine& engine, std::size_t batch_max,
                   std::size_t queue_depth_max, CommitListener listener);
    ~GroupCommitter();
    GroupCommitter(const GroupCommitter&) = delete;
    GroupCommitter& operator=(const GroupCommitter&) = delete;

    /// How a submitted operation is answered: called exactly once, on the writer thread, after
    /// the batch holding it is durable (or rolled back, with an `unavailable` reply). It must not
    /// block: an event-driven front end posts the reply to the connection's executor and returns.
    using Completion = std::function<void(LedgerReply)>;

    /// Enqueues; false (and `done` is not called) when the queue is full (-> 429 overloaded).
    /// Thread-safe. This is the asynchronous claim path: nothing waits for the writer.
    [[nodiscard]] bool submit(LedgerOperation operation, Completion done);
    /// Enqueues even when the queue is full: for housekeeping that must not be starved.
    void submitUnbounded(LedgerOperation operation, Completion done);

    /// Blocking conveniences over the two calls above, for CLI commands and tests.
    std::optional<std::future<LedgerReply>> submit(LedgerOperation operation);
    std::future<LedgerReply> submitUnbounded(LedgerOperation operation);

    /// Drains what is queued, then stops the writer. Idempotent.
    void stop();

    [[nodiscard]] const GroupCommitStats& stats() const { return stats_; }
    /// The writer reports each batch here; the stats reader reports its probes too.
    [[nodiscard]] DatabaseHealth& databaseHealth() { return health_; }
    [[nodiscard]] const DatabaseHealth& databaseHealth() const { return health_; }
    [[nodiscard]] std::size_t queueDepth() const;

private:
    struct Pending {
        LedgerOperation operation;
        Completion done;
    };

    void run();
    void processBatch(const std::vector<LedgerOperation>& operations,
                      std::vector<Completion>& completions, std::vector<LedgerReply>& replies);

    LedgerStore& store_;
    ClaimEngine& engine_;
    const std::size_t batch_max_;
    const std::size_t queue_depth_max_;
    CommitListener listener_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    GroupCommitStats stats_;
    DatabaseHealth health_;
    std::thread writer_;
};

}  // namespace claimgate::gateway
