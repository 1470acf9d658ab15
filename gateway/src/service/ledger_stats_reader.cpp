#include "service/ledger_stats_reader.hpp"

#include <claimgate/protocols/thread_name.hpp>

#include <exception>

namespace claimgate::gateway {

LedgerStatsReader::LedgerStatsReader(StoreOpener open_store, DatabaseHealth& health,
                                     std::chrono::milliseconds interval)
    : open_store_(std::move(open_store)), health_(health), interval_(interval) {
    // The first read runs on the thread too: a GROUP BY over a national `claims` table takes
    // seconds, and start-up (and /readyz) must not wait for a figure nobody has asked for.
    thread_ = std::thread([this] {
        protocols::nameThisThread("cg-ledger-stats");
        run();
    });
}

LedgerStatsReader::~LedgerStatsReader() { stop(); }

std::optional<std::vector<ClaimTotal>> LedgerStatsReader::totals() const {
    std::lock_guard lock(totals_mutex_);
    return totals_;
}

void LedgerStatsReader::readNow() {
    std::lock_guard lock(read_mutex_);
    try {
        if (!store_) {
            auto opened = open_store_();
            if (!opened) {
                health_.reportFailure(opened.status().message());
                return;
            }
            store_ = std::move(opened).value();
        }
        auto totals = store_->claimTotals();
        {
            std::lock_guard totals_lock(totals_mutex_);
            totals_ = std::move(totals);
        }
        health_.reportSuccess();
    } catch (const std::exception& error) {
        // Drop the connection: a broken PostgreSQL session does not heal, a new one might.
        store_.reset();
        health_.reportFailure(error.what());
    }
}

void LedgerStatsReader::run() {
    std::unique_lock lock(stop_mutex_);
    while (!stopping_) {
        lock.unlock();
        readNow();
        lock.lock();
        stop_wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

void LedgerStatsReader::stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(read_mutex_);
    store_.reset();
}

}  // namespace claimgate::gateway
