// File: ledger_stats_reader.hpp
// Reads the cluster-wide ledger figures of /metrics (claims by program, channel and status;
// money paid) from the database every `interval`, on its own connection and thread, so a
// scrape never waits for the database and every node of a cluster reports the same numbers.
// Each read doubles as a health probe: a failure marks the database down (one log line) and
// drops the connection; the next read reconnects.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/status.hpp>

#include <claimgate/ledger/database_health.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace claimgate::gateway {

class LedgerStatsReader {
public:
    using StoreOpener = std::function<protocols::Result<std::unique_ptr<LedgerStore>>()>;

    /// Reads at once and then every `interval`, on a background thread. `health` must outlive
    /// the reader.
    LedgerStatsReader(StoreOpener open_store, DatabaseHealth& health,
                      std::chrono::milliseconds interval);
    ~LedgerStatsReader();
    LedgerStatsReader(const LedgerStatsReader&) = delete;
    LedgerStatsReader& operator=(const LedgerStatsReader&) = delete;

    /// The figures of the last successful read; nullopt before the first one. Thread-safe.
    [[nodiscard]] std::optional<std::vector<ClaimTotal>> totals() const;

    /// Reads now, on the caller's thread (tests; the background thread uses it too).
    void readNow();

    /// Stops the thread and closes the connection. Idempotent.
    void stop();

private:
    void run();

    StoreOpener open_store_;
    DatabaseHealth& health_;
    const std::chrono::milliseconds interval_;
    std::mutex read_mutex_;  // one read at a time; guards store_
    std::unique_ptr<LedgerStore> store_;
    mutable std::mutex totals_mutex_;
    std::optional<std::vector<ClaimTotal>> totals_;
    std::mutex stop_mutex_;
    std::condition_variable stop_wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace claimgate::gateway
