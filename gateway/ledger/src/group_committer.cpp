#include <claimgate/ledger/group_committer.hpp>

#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/messages.hpp>

#include <cstdio>

namespace claimgate::gateway {
namespace {

/// 503 `internal`, not `not_ready`: the SDK takes `not_ready` for "nothing reached the ledger",
/// and after a failed COMMIT that is not known (a connection lost during COMMIT, e.g. when the
/// PostgreSQL primary dies, may have committed on it and on its synchronous standby). The
/// terminal learns the outcome by resending with the same Idempotency-Key.
LedgerReply unavailableReply(const std::string& what_is_known) {
    LedgerReply reply;
    const protocols::Status status(protocols::ErrorCode::internal,
                                   "ledger write failed; " + what_is_known);
    reply.http_status = 503;
    reply.body = protocols::encodeErrorEnvelope(status);
    return reply;
}

std::size_t bucketFor(std::size_t batch_size) {
    std::size_t bucket = 0;
    while (bucket + 1 < GroupCommitStats::kBatchSizeBuckets &&
           (std::size_t{1} << bucket) < batch_size) {
        ++bucket;
    }
    return bucket;
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
    writer_ = std::thread([this] { run(); });
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
    std::vector<Pending> batch;
    batch.reserve(batch_max_);
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            while (!queue_.empty() && batch.size() < batch_max_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        processBatch(batch);
        batch.clear();
    }
}

void GroupCommitter::processBatch(std::vector<Pending>& batch) {
    CG_ASSERT(!batch.empty() && batch.size() <= batch_max_, "a batch is 1..batch_max ops");
    std::vector<LedgerReply> replies(batch.size());
    try {
        store_.begin();
        engine_.beginBatch(store_);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            store_.savepoint();
            engine_.saveChainHead();
            try {
                replies[i] = engine_.apply(store_, batch[i].operation);
                store_.releaseSavepoint();
            } catch (const std::exception& error) {
                // One bad operation must not sink its batch: undo just it.
                store_.rollbackToSavepoint();
                engine_.restoreChainHead();
                std::fprintf(stderr, "ledger: operation rolled back: %s\n", error.what());
                replies[i] = unavailableReply("this operation was rolled back");
            }
        }
        store_.commit();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ledger: batch of %zu rolled back: %s\n", batch.size(),
                     error.what());
        try {
            store_.rollback();
        } catch (const std::exception&) {
        }
        stats_.failed_batches.fetch_add(1, std::memory_order_relaxed);
        for (auto& pending : batch) {
            pending.done(unavailableReply(
                "its outcome is not known: resend with the same Idempotency-Key"));
        }
        return;
    }
    stats_.batches.fetch_add(1, std::memory_order_relaxed);
    stats_.operations.fetch_add(batch.size(), std::memory_order_relaxed);
    stats_.batch_size_buckets[bucketFor(batch.size())].fetch_add(1, std::memory_order_relaxed);
    if (listener_) {
        std::vector<LedgerReply*> durable;
        durable.reserve(replies.size());
        for (auto& reply : replies) durable.push_back(&reply);
        listener_(durable);
    }
    // Batch accounting: every queued operation gets exactly one answer, and none leaves
    // without a status the engine chose (a default 500 would be an unanswered operation).
    CG_ASSERT(replies.size() == batch.size(), "one reply per operation of the batch");
    for (std::size_t i = 0; i < batch.size(); ++i) {
        CG_ASSERT(replies[i].http_status != LedgerReply{}.http_status || !replies[i].body.empty(),
                  "a ledger operation left the batch without an answer");
        batch[i].done(std::move(replies[i]));
    }
}

}  // namespace claimgate::gateway
