#include <claimgate/gateway/roster_follower.hpp>

#include <claimgate/protocols/thread_name.hpp>

#include <claimgate/gateway/index_snapshot.hpp>
#include <claimgate/protocols/log.hpp>

#include <cstdio>
#include <limits>

namespace claimgate::gateway {

RosterFollower::RosterFollower(EligibilityIndex& index, LedgerStorePtr store,
                               std::int64_t applied_version, Options options)
    : index_(index),
      store_(std::move(store)),
      options_(std::move(options)),
      applied_(applied_version),
      snapshot_version_(applied_version) {}

RosterFollower::~RosterFollower() { stop(); }

void RosterFollower::start() {
    try {
        refreshProgramVersions();
    } catch (const LedgerStoreError&) {
        ++failed_rounds_;  // the first round retries
    }
    thread_ = std::thread([this] {
        protocols::nameThisThread("cg-roster");
        run();
    });
}

void RosterFollower::stop() {
    {
        std::lock_guard lock(wake_mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (!thread_.joinable()) return;
    thread_.join();
    // Keeps the next start fast; the index no longer changes (the thread has ended).
    if (applied_.load() != snapshot_version_) writeSnapshot();
}

void RosterFollower::writeSnapshot() {
    if (options_.snapshot_path.empty()) return;
    const std::int64_t version = applied_.load();
    if (auto written = IndexSnapshot::write(options_.snapshot_path, index_, version);
        !written.ok()) {
        log::warn("index", "snapshot not written", {{"error", log::firstLine(written.message())}});
        return;
    }
    snapshot_version_ = version;
}

void RosterFollower::run() {
    for (;;) {
        {
            std::lock_guard lock(wake_mutex_);
            if (stopping_) return;
        }
        if (auto status = catchUp(); !status.ok()) {
            log::warn("roster", "roster follower failed, retrying",
                      {{"error", log::firstLine(status.message())}});
        }
        const auto deadline = std::chrono::steady_clock::now() + options_.poll_interval;
        bool notified = false;
        try {
            // PostgreSQL: blocks until a NOTIFY or the timeout. SQLite: returns at once.
            notified = store_->waitForRosterNews(options_.poll_interval);
        } catch (const LedgerStoreError&) {
            ++failed_rounds_;
        }
        if (notified) continue;
        std::unique_lock lock(wake_mutex_);
        wake_.wait_until(lock, deadline, [this] { return stopping_; });
    }
}

protocols::Status RosterFollower::catchUp() {
    try {
        const std::int64_t applied = applied_.load();
        const std::int64_t latest = store_->latestRosterVersion();
        if (latest > applied) {
            bool rebuild = store_->countRosterChanges(applied, latest) > options_.catch_up_rows_max;
            if (!rebuild) {
                store_->forEachRosterChange(applied, latest, [&](const RosterRow& row) {
                    if (index_.applyRosterChange(row) != IndexChange::applied) rebuild = true;
                    return !rebuild;
                });
            }
            if (rebuild) {
                applied_.store(index_.load(*store_));
                ++rebuilds_;
                writeSnapshot();
            } else {
                applied_.store(latest);
            }
        }
        refreshProgramVersions();
    } catch (const LedgerStoreError& error) {
        ++failed_rounds_;
        return protocols::Status(protocols::ErrorCode::not_ready, error.what());
    }
    return protocols::Status::okStatus();
}

void RosterFollower::refreshProgramVersions() {
    auto latest = store_->rosterVersions(std::numeric_limits<std::int64_t>::max());
    auto applied = store_->rosterVersions(applied_.load());
    for (const auto& program : index_.programs()) {
        latest.try_emplace(program.id, 0);
        applied.try_emplace(program.id, 0);
    }
    std::lock_guard lock(versions_mutex_);
    latest_by_program_ = std::move(latest);
    applied_by_program_ = std::move(applied);
}

std::string RosterFollower::renderMetrics() const {
    std::lock_guard lock(versions_mutex_);
    std::string out;
    out +=
        "# HELP claimgate_roster_version_applied Newest roster version this node's index "
        "has applied, per program.\n";
    out += "# TYPE claimgate_roster_version_applied gauge\n";
    for (const auto& [program, version] : applied_by_program_) {
        out += "claimgate_roster_version_applied{program=\"" + program + "\"} " +
               std::to_string(version) + "\n";
    }
    out +=
        "# HELP claimgate_roster_version_latest Newest roster version in the ledger "
        "database, per program.\n";
    out += "# TYPE claimgate_roster_version_latest gauge\n";
    for (const auto& [program, version] : latest_by_program_) {
        out += "claimgate_roster_version_latest{program=\"" + program + "\"} " +
               std::to_string(version) + "\n";
    }
    out +=
        "# HELP claimgate_roster_index_rebuilds_total Index rebuilds from the database "
        "after start (too many changes to apply in place).\n";
    out += "# TYPE claimgate_roster_index_rebuilds_total counter\n";
    out += "claimgate_roster_index_rebuilds_total " + std::to_string(rebuilds_.load()) + "\n";
    out +=
        "# HELP claimgate_roster_follow_failures_total Rounds of the roster follower that "
        "failed on a database error (retried).\n";
    out += "# TYPE claimgate_roster_follow_failures_total counter\n";
    out += "claimgate_roster_follow_failures_total " + std::to_string(failed_rounds_.load()) + "\n";
    return out;
}

}  // namespace claimgate::gateway
