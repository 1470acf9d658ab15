// File: clock.hpp
// Time source seam. The ledger and the hold TTL read time only through a Clock, so tests can
// move time forward instead of sleeping (house style §8.8).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace claimgate::gateway {

class Clock {
public:
    virtual ~Clock() = default;
    /// Unix time in milliseconds. Thread-safe.
    [[nodiscard]] virtual std::int64_t nowMillis() const = 0;
};
using ClockPtr = std::shared_ptr<Clock>;

class SystemClock final : public Clock {
public:
    [[nodiscard]] std::int64_t nowMillis() const override {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

/// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t start_millis) : now_millis_(start_millis) {}
    [[nodiscard]] std::int64_t nowMillis() const override { return now_millis_.load(); }
    void advanceMillis(std::int64_t delta) { now_millis_ += delta; }
    void setMillis(std::int64_t value) { now_millis_ = value; }

private:
    std::atomic<std::int64_t> now_millis_;
};

}  // namespace claimgate::gateway
