#include "net/io_thread_pool.hpp"

#include <claimgate/protocols/log.hpp>
#include <claimgate/protocols/thread_name.hpp>

#include <cassert>
#include <cstdio>
#include <exception>

namespace claimgate::gateway::net {

IoThreadPool::IoThreadPool(int threads, std::string name) : name_(std::move(name)) {
    assert(threads >= 1);
    for (int i = 0; i < threads; ++i) {
        // concurrency hint 1: each context is run by exactly one thread, so Asio may skip
        // its internal locking.
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.emplace_back(boost::asio::make_work_guard(*contexts_.back()));
    }
}

IoThreadPool::~IoThreadPool() { stop(); }

void IoThreadPool::start() {
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
        threads_.emplace_back([this, i] {
            protocols::nameThisThread(name_ + std::to_string(i));
            for (;;) {
                try {
                    contexts_[i]->run();
                    return;
                } catch (const std::exception& error) {
                    // A handler threw: house style §8.4 stops exceptions at the boundary; this
                    // is the last one. Log and keep the thread serving the other connections.
                    log::error("net", "I/O handler failed",
                               {{"error", log::firstLine(error.what())}});
                }
            }
        });
    }
}

void IoThreadPool::stop() {
    if (stopped_) return;
    stopped_ = true;
    guards_.clear();
    for (auto& context : contexts_) context->stop();
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

boost::asio::io_context& IoThreadPool::next() {
    const std::size_t slot = next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size();
    return *contexts_[slot];
}

}  // namespace claimgate::gateway::net
