// File: sigpipe_guard.hpp
// Writing to a socket the peer has reset raises SIGPIPE, whose default action kills the whole
// terminal application. A library must not change the process's signal disposition, so the SDK
// blocks SIGPIPE on the calling thread for the length of one exchange and swallows any that
// became pending meanwhile.
#pragma once

#include <csignal>
#include <ctime>

#include <pthread.h>

namespace claimgate::sdk {

class SigpipeGuard {
public:
    SigpipeGuard() {
        sigemptyset(&pipe_set_);
        sigaddset(&pipe_set_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_set_) == 0;
    }
    ~SigpipeGuard() {
        if (!blocked_) {
            return;
        }
        if (!was_pending_) {
            const timespec zero{0, 0};
            while (sigtimedwait(&pipe_set_, nullptr, &zero) > 0) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_set_, nullptr);
    }
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
    sigset_t pipe_set_{};
    sigset_t old_set_{};
    bool was_pending_ = false;
    bool blocked_ = false;
};

}  // namespace claimgate::sdk
