// File: deadline_mutex.hpp
// A mutex whose lock can give up at a deadline: every SDK call has one (docs/sdk-guide.md), and
// a call waiting behind background delivery must return in time rather than hang the terminal.
//
// Why not std::timed_mutex: libstdc++ (GCC 12) waits on the steady clock with
// pthread_mutex_clocklock, which that compiler's ThreadSanitizer does not intercept. TSan then
// reports every unlock as the unlock of a mutex nobody locked, and cannot see what the mutex
// protects either. A plain mutex, a condition variable (pthread_cond_clockwait is intercepted)
// and a flag are all things TSan understands, and cost the same here: the SDK's locks are held
// across network exchanges, not in tight loops.
//
// Meets the standard Lockable and TimedLockable requirements, so std::unique_lock and
// std::lock_guard work with it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace claimgate::sdk {

class DeadlineMutex {
public:
    DeadlineMutex() = default;
    DeadlineMutex(const DeadlineMutex&) = delete;
    DeadlineMutex& operator=(const DeadlineMutex&) = delete;

    void lock() {
        std::unique_lock guard(state_);
        released_.wait(guard, [this] { return !held_; });
        held_ = true;
    }

    bool try_lock() {
        std::lock_guard guard(state_);
        if (held_) return false;
        held_ = true;
        return true;
    }

    template <class Clock, class Duration>
    bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline) {
        std::unique_lock guard(state_);
        if (!released_.wait_until(guard, deadline, [this] { return !held_; })) return false;
        held_ = true;
        return true;
    }

    template <class Rep, class Period>
    bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
        return try_lock_until(std::chrono::steady_clock::now() + timeout);
    }

    void unlock() {
        {
            std::lock_guard guard(state_);
            held_ = false;
        }
        released_.notify_one();
    }

private:
    std::mutex state_;
    std::condition_variable released_;
    bool held_ = false;
};

}  // namespace claimgate::sdk
