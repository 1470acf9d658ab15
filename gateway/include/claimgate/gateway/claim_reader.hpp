// File: claim_reader.hpp
// Serves claim reads (GET /v1/claims/{id}) on a connection of its own, one thread, off the
// ledger writer: a read never waits behind a group commit and never takes a writer's queue
// slot. Reads see what is committed, which is everything that was acknowledged (a reply that
// reports a change is sent only after its commit). A lost connection is reopened on the next
// read. The queue is bounded (kClaimReadQueueDepthMax).
#pragma once

#include <claimgate/gateway/limits.hpp>
#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/status.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace claimgate::gateway {

class ClaimReader {
public:
    using Opener = std::function<protocols::Result<LedgerStorePtr>()>;
    /// Runs on the reader thread with the read connection, or with nullptr when the database
    /// cannot be opened (the task answers 503 then). A LedgerStoreError it lets escape closes
    /// the connection; the task must already have answered its caller.
    using Task = std::function<void(LedgerStore* store)>;

    explicit ClaimReader(Opener open, std::size_t queue_depth_max = kClaimReadQueueDepthMax);
    ~ClaimReader();
    ClaimReader(const ClaimReader&) = delete;
    ClaimReader& operator=(const ClaimReader&) = delete;

    /// false when the queue is full (the caller answers 429 overloaded).
    [[nodiscard]] bool submit(Task task);
    /// Answers what is queued, then ends the thread; later submits are refused. Called before
    /// the services its tasks use are destroyed (GatewayRuntime::stop). Idempotent.
    void stop();

private:
    void run();

    Opener open_;
    const std::size_t queue_depth_max_;
    LedgerStorePtr store_;  // reader thread only
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Task> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace claimgate::gateway
