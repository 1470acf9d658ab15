// File: writer_gate.hpp
// Holds the group-commit writer inside its first LedgerStore::begin() until the test opens the
// gate, and tells the test when the writer got there: deterministic back-pressure scenarios.
#pragma once

#include <atomic>
#include <chrono>
#include <future>

namespace claimgate::gateway::testing {

class WriterGate {
public:
    WriterGate() : open_(opener_.get_future().share()), entered_future_(entered_.get_future()) {}

    /// Call from the mock's begin(): blocks the first caller until open().
    void onBegin() {
        if (first_.exchange(false)) {
            entered_.set_value();
            open_.wait();
        }
    }
    /// Waits (bounded) until the writer is inside begin().
    [[nodiscard]] bool waitEntered(std::chrono::seconds timeout = std::chrono::seconds(10)) {
        return entered_future_.wait_for(timeout) == std::future_status::ready;
    }
    void open() {
        if (!opened_.exchange(true)) opener_.set_value();
    }
    ~WriterGate() { open(); }

private:
    std::promise<void> opener_;
    std::shared_future<void> open_;
    std::promise<void> entered_;
    std::future<void> entered_future_;
    std::atomic<bool> first_{true};
    std::atomic<bool> opened_{false};
};

}  // namespace claimgate::gateway::testing
