#include <claimgate/gateway/claim_reader.hpp>

#include <claimgate/protocols/log.hpp>
#include <claimgate/protocols/thread_name.hpp>

#include <cassert>
#include <cstdio>

namespace claimgate::gateway {

ClaimReader::ClaimReader(Opener open, std::size_t queue_depth_max)
    : open_(std::move(open)), queue_depth_max_(queue_depth_max) {
    assert(open_ && queue_depth_max_ > 0);
    thread_ = std::thread([this] {
        protocols::nameThisThread("cg-claim-reader");
        run();
    });
}

ClaimReader::~ClaimReader() { stop(); }

void ClaimReader::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool ClaimReader::submit(Task task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= queue_depth_max_) return false;
        queue_.push_back(std::move(task));
    }
    wake_.notify_one();
    return true;
}

void ClaimReader::run() {
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            // Queued reads are still answered on shutdown: every caller gets exactly one reply.
            if (queue_.empty()) return;
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        if (!store_) {
            auto opened = open_();
            if (opened) {
                store_ = std::move(opened).value();
            } else {
                log::warn("ledger", "claim reader cannot open the ledger",
                          {{"error", log::firstLine(opened.status().message())}});
            }
        }
        try {
            task(store_.get());
        } catch (const LedgerStoreError& error) {
            log::warn("ledger", "claim read failed, reconnecting",
                      {{"error", log::firstLine(error.what())}});
            store_.reset();
        }
    }
}

}  // namespace claimgate::gateway
