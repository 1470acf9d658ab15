// File: roster_follower.hpp
// Keeps this node's eligibility index in step with the roster in the ledger database
// (contracts §6, live roster changes). Every roster change (import, pull, removal) is written
// under a roster version; the follower polls the newest version (and wakes at once on
// PostgreSQL's NOTIFY), then applies the rows of the versions it has not applied, in place and
// atomically per citizen, while the node serves. Beyond kRosterCatchUpRowsMax changed rows, or
// a change the index has no room for, it rebuilds the index from the database instead; the old
// index keeps serving until the new one is swapped in.
//
// Threading: start() runs one thread of its own with its own LedgerStore connection; the
// accessors are thread-safe. catchUp() is the round that thread runs, public for tests.
#pragma once

#include <claimgate/gateway/eligibility_index.hpp>

#include <claimgate/gateway/limits.hpp>
#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/status.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace claimgate::gateway {

class RosterFollower {
public:
    struct Options {
        std::chrono::milliseconds poll_interval{kRosterPollMillisDefault};
        std::int64_t catch_up_rows_max = kRosterCatchUpRowsMax;
        /// Where to keep the index snapshot: rewritten after a rebuild and at stop() when
        /// newer versions were applied. Empty = no snapshot.
        std::string snapshot_path;
    };

    /// `applied_version`: the version the index already reflects (EligibilityIndex::load's),
    /// which is also taken as the version of the snapshot on disk.
    RosterFollower(EligibilityIndex& index, LedgerStorePtr store, std::int64_t applied_version,
                   Options options);
    ~RosterFollower();
    RosterFollower(const RosterFollower&) = delete;
    RosterFollower& operator=(const RosterFollower&) = delete;

    void start();
    void stop();

    /// One round: applies every version newer than the applied one (or rebuilds). A database
    /// error leaves the applied version as it was; the next round tries again.
    protocols::Status catchUp();

    [[nodiscard]] std::int64_t appliedVersion() const { return applied_.load(); }
    [[nodiscard]] std::uint64_t rebuilds() const { return rebuilds_.load(); }
    /// Prometheus text: claimgate_roster_version_applied{program} (this node),
    /// claimgate_roster_version_latest{program} (the database), rebuilds and failed rounds.
    [[nodiscard]] std::string renderMetrics() const;

private:
    void run();
    void refreshProgramVersions();
    void writeSnapshot();

    EligibilityIndex& index_;
    LedgerStorePtr store_;
    Options options_;
    std::atomic<std::int64_t> applied_;
    std::int64_t snapshot_version_ = 0;  // follower thread only
    std::atomic<std::uint64_t> rebuilds_{0};
    std::atomic<std::uint64_t> failed_rounds_{0};
    mutable std::mutex versions_mutex_;
    std::map<std::string, std::int64_t> applied_by_program_;
    std::map<std::string, std::int64_t> latest_by_program_;
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace claimgate::gateway
