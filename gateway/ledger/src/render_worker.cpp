#include "render_worker.hpp"

#include <claimgate/ledger/thread_priority.hpp>
#include <claimgate/protocols/thread_name.hpp>

namespace claimgate::gateway {

RenderWorker::RenderWorker()
    : thread_([this] {
          protocols::nameThisThread("cg-ledger-render");
          // The writer waits for this thread at each batch's end: same priority as the writer.
          (void)applyLedgerThreadNice();
          run();
      }) {}

RenderWorker::~RenderWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_.notify_all();
    thread_.join();
}

void RenderWorker::submit(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        ++unfinished_;
    }
    work_.notify_one();
}

std::exception_ptr RenderWorker::wait() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return unfinished_ == 0; });
    return std::exchange(failure_, nullptr);
}

void RenderWorker::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            work_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and nothing left to do
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        std::exception_ptr failed;
        try {
            job();
        } catch (...) {
            failed = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            if (failed && !failure_) failure_ = failed;
            --unfinished_;
            if (unfinished_ == 0) idle_.notify_all();
        }
    }
}

}  // namespace claimgate::gateway
