// File: advice_sender.hpp
// The background half of store-and-forward: one thread delivering journal rows over the client's
// one connection until the gateway acknowledges them (advice_policy.hpp says which answers end
// a row). Between rounds it closes the connection once idle past the gateway's keep-alive.
// A reserve whose answer was lost is reversed: the same request is replayed with the same key
// (the gateway answers with the stored reply, or creates the hold now), then the hold is voided.
#pragma once

#include "advice_policy.hpp"
#include "journal.hpp"
#include "sdk_log.hpp"
#include "transport.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace claimgate::sdk {

/// Told when a row reached its end (acknowledged, or refused for good), after it left the
/// journal.
using DeliveryListener =
    std::function<void(const JournalEntry& entry, const HttpReply& reply, AdviceVerdict verdict)>;

class AdviceSender {
public:
    AdviceSender(Journal& journal, TransportPtr transport, SdkLogger logger,
                 DeliveryListener listener);
    ~AdviceSender();
    AdviceSender(const AdviceSender&) = delete;
    AdviceSender& operator=(const AdviceSender&) = delete;

    void start();
    void stop();
    /// Something new is due (a foreground send failed, or flush).
    void wake();
    /// Waits until the journal is empty and no delivery is still telling its listener, or the
    /// timeout passed; true when idle. So after a flush every delivered row's event was given.
    bool waitIdle(std::chrono::milliseconds timeout);
    /// Called after any row left the journal (foreground or sender) so waitIdle re-checks.
    void notifyChanged();

    /// Delivers one row now on this thread (the sender's round, and tests).
    void deliver(const JournalEntry& entry);

    [[nodiscard]] std::int64_t delivered() const noexcept { return delivered_; }
    [[nodiscard]] std::int64_t ended() const noexcept { return ended_; }

private:
    void run();
    void reverseReserve(const JournalEntry& entry, const HttpReply& reply);
    void retryLater(const JournalEntry& entry, const HttpReply& reply, const std::string& why);

    Journal& journal_;
    TransportPtr transport_;
    SdkLogger logger_;
    DeliveryListener listener_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable changed_;
    bool stopping_ = false;
    bool woken_ = false;
    int delivering_ = 0;  // deliver() calls not yet returned; guarded by mutex_
    std::thread thread_;
    std::mt19937_64 random_{std::random_device{}()};
    std::atomic<std::int64_t> delivered_{0};
    std::atomic<std::int64_t> ended_{0};
};

}  // namespace claimgate::sdk
