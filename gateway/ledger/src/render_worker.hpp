// File: render_worker.hpp
// One thread that renders a batch's stored replies (reply JSON, ECDSA receipt signatures) while
// the ledger writer goes on with the batch's next operations (ClaimEngine, deferred replies):
// the writer's serial path keeps only the database work. Jobs touch only their own reply.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace claimgate::gateway {

class RenderWorker {
public:
    RenderWorker();
    ~RenderWorker();
    RenderWorker(const RenderWorker&) = delete;
    RenderWorker& operator=(const RenderWorker&) = delete;

    void submit(std::function<void()> job);
    /// Waits until every submitted job has run; the first exception a job threw since the last
    /// wait, or null.
    std::exception_ptr wait();

private:
    void run();

    std::mutex mutex_;
    std::condition_variable work_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> jobs_;
    std::size_t unfinished_ = 0;
    std::exception_ptr failure_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace claimgate::gateway
