// File: database_health.hpp
// Whether the ledger database answers, as seen by the writer and the stats reader: the
// `claimgate_ledger_database_up` gauge, `claimgate_ledger_reconnects_total`, and exactly one log
// line when the database is lost and one when it is back (contracts §11, Logs), however many
// batches fail in between.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace claimgate::gateway {

class DatabaseHealth {
public:
    /// An operation on the database failed for a reason outside the request (connection,
    /// disk, lock timeout). Logs on the first failure after a success. Thread-safe.
    void reportFailure(std::string_view error);
    /// An operation succeeded. Logs, and counts a reconnect, on the first success after a
    /// failure. Thread-safe.
    void reportSuccess();

    [[nodiscard]] bool up() const { return up_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t reconnects() const {
        return reconnects_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t failures() const {
        return failures_.load(std::memory_order_relaxed);
    }

private:
    std::mutex transition_mutex_;
    std::atomic<bool> up_{true};
    std::atomic<std::uint64_t> reconnects_{0};
    std::atomic<std::uint64_t> failures_{0};
    std::uint64_t failures_at_loss_ = 0;
    std::int64_t lost_at_millis_ = 0;
};

}  // namespace claimgate::gateway
