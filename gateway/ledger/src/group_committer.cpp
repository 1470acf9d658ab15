#include <claimgate/ledger/group_committer.hpp>

#include <claimgate/protocols/thread_name.hpp>

#include <claimgate/ledger/batch_runner.hpp>
#include <claimgate/ledger/thread_priority.hpp>
#include <claimgate/protocols/invariant.hpp>

#include <claimgate/protocols/log.hpp>

#include <chrono>

namespace claimgate::gateway {
namespace {

std::size_t bucketFor(std::size_t batch_size) {
    std::size_t bucket = 0;
    while (bucket + 1 < GroupCommitStats::kBatchSizeBuckets &&
           (std::size_t{1} << bucket) < batch_size) {
        ++bucket;
    }
    return bucket;
}

void recordCommitMicros(GroupCommitStats& stats, std::int64_t micros) {
    std::size_t bucket = 0;
    while (bucket < GroupCommitStats::kCommitMicrosBounds.size() &&
           micros > GroupCommitStats::kCommitMicrosBounds[bucket]) {
        ++bucket;
    }
    stats.commit_micros_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    stats.commit_micros_sum.fetch_add(static_cast<std::uint64_t>(micros),
                                      std::memory_order_relaxed);
}

}  // namespace

GroupCommitter::GroupCommitter(LedgerStore& store, ClaimEngine& engine, std::size_t batch_max,
                               std::size_t queue_depth_max, CommitListener listener)
    : store_(store),
      engine_(engine),
      batch_max_(batch_max),
      queue_depth_max_(queue_depth_max),
      listener_(std::move(listener)) {
    CG_ASSERT(batch_max_ >= 1 && queue_depth_max_ >= 1, "the ledger queue needs room");
    writer_ = std::thread([this] {
        protocols::nameThisThread("cg-ledger-write");
        // A refusal is logged once inside; the writer runs either way.
        (void)applyLedgerThreadNice();
        run();
    });
}

GroupCommitter::~GroupCommitter() { stop(); }

bool GroupCommitter::submit(LedgerOperation operation, Completion done) {
    CG_ASSERT(done != nullptr, "every ledger operation has someone to answer");
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= queue_depth_max_) return false;
        queue_.push_back(Pending{std::move(operation), std::move(done)});
    }
    wake_.notify_one();
    return true;
}

void GroupCommitter::submitUnbounded(LedgerOperation operation, Completion done) {
    CG_ASSERT(done != nullptr, "every ledger operation has someone to answer");
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(Pending{std::move(operation), std::move(done)});
    }
    wake_.notify_one();
}

namespace {

/// Adapts the completion callback to a future for the blocking callers.
std::pair<GroupCommitter::Completion, std::future<LedgerReply>> promisedCompletion() {
    auto promise = std::make_shared<std::promise<LedgerReply>>();
    auto future = promise->get_future();
    return {[promise](LedgerReply reply) { promise->set_value(std::move(reply)); },
            std::move(future)};
}

}  // namespace

std::optional<std::future<LedgerReply>> GroupCommitter::submit(LedgerOperation operation) {
    auto [done, future] = promisedCompletion();
    if (!submit(std::move(operation), std::move(done))) return std::nullopt;
    return std::move(future);
}

std::future<LedgerReply> GroupCommitter::submitUnbounded(LedgerOperation operation) {
    auto [done, future] = promisedCompletion();
    submitUnbounded(std::move(operation), std::move(done));
    return std::move(future);
}

std::size_t GroupCommitter::queueDepth() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void GroupCommitter::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !writer_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();
}

void GroupCommitter::run() {
    std::vector<LedgerOperation> operations;
    std::vector<Completion> completions;
    std::vector<LedgerReply> replies;
    operations.reserve(batch_max_);
    completions.reserve(batch_max_);
    replies.reserve(batch_max_);
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            while (!queue_.empty() && operations.size() < batch_max_) {
                operations.push_back(std::move(queue_.front().operation));
                completions.push_back(std::move(queue_.front().done));
                queue_.pop_front();
            }
        }
        processBatch(operations, completions, replies);
        operations.clear();
        completions.clear();
    }
}

void GroupCommitter::processBatch(const std::vector<LedgerOperation>& operations,
                                  std::vector<Completion>& completions,
                                  std::vector<LedgerReply>& replies) {
    CG_ASSERT(!operations.empty() && operations.size() <= batch_max_,
              "a batch is 1..batch_max ops");
    CG_ASSERT(completions.size() == operations.size(), "one completion per operation");
    const auto started = std::chrono::steady_clock::now();
    const BatchResult result = runBatch(store_, engine_, operations, replies);
    if (!result.committed) {
        // One log line when the database is lost (and one when it is back), not one per batch.
        health_.reportFailure(result.error);
        stats_.failed_batches.fetch_add(1, std::memory_order_relaxed);
        for (std::size_t i = 0; i < completions.size(); ++i) completions[i](std::move(replies[i]));
        return;
    }
    health_.reportSuccess();
    recordCommitMicros(stats_, std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - started)
                                   .count());
    stats_.batches.fetch_add(1, std::memory_order_relaxed);
    if (result.isolated) {
        // The first attempt's refusal is otherwise unseen: the re-run answered every operation.
        stats_.rerun_batches.fetch_add(1, std::memory_order_relaxed);
        log::warn("ledger", "batch re-run operation by operation",
                  {{"operations", operations.size()}, {"error", log::firstLine(result.error)}});
    }
    stats_.operations.fetch_add(operations.size(), std::memory_order_relaxed);
    stats_.batch_size_buckets[bucketFor(operations.size())].fetch_add(1, std::memory_order_relaxed);
    if (listener_) {
        std::vector<LedgerReply*> durable;
        durable.reserve(replies.size());
        for (auto& reply : replies) durable.push_back(&reply);
        listener_(durable);
    }
    // Batch accounting: every queued operation gets exactly one answer (runBatch gives each an
    // outcome; `unavailable` when the database refused it).
    CG_ASSERT(replies.size() == operations.size(), "one reply per operation of the batch");
    for (std::size_t i = 0; i < completions.size(); ++i) completions[i](std::move(replies[i]));
}

}  // namespace claimgate::gateway
