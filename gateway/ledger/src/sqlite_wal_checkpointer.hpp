// File: sqlite_wal_checkpointer.hpp
// WAL checkpoints of a SQLite ledger on their own thread and connection, so that the writer
// never stops a batch to copy the WAL into the database file (docs/architecture.md, ledger).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace claimgate::gateway {

class SqliteWalCheckpointer {
public:
    /// Opens a second connection to the ledger at `path` and starts the thread. Throws
    /// LedgerStoreError when the file cannot be opened.
    explicit SqliteWalCheckpointer(const std::string& path);
    ~SqliteWalCheckpointer();
    SqliteWalCheckpointer(const SqliteWalCheckpointer&) = delete;
    SqliteWalCheckpointer& operator=(const SqliteWalCheckpointer&) = delete;

    /// Called on the writer after each commit with the WAL's length in frames (pages): wakes
    /// the thread once kWalCheckpointFramesMin frames were appended since its last pass. Never
    /// waits for a checkpoint.
    void walGrew(int frames);

    /// Checkpoints this thread completed (for tests and the writer's bookkeeping).
    [[nodiscard]] std::uint64_t checkpointsRun() const {
        return checkpoints_run_.load(std::memory_order_relaxed);
    }

private:
    void run();
    /// Frames appended since the last pass (mutex_ held).
    [[nodiscard]] int uncopiedFrames() const {
        return frames_ >= copied_ ? frames_ - copied_ : frames_;
    }
    /// One PASSIVE pass; returns how far into the WAL it has copied, or -1 when it could not
    /// run.
    int checkpointOnce();

    sqlite3* db_ = nullptr;
    std::mutex mutex_;
    std::condition_variable wake_;
    int frames_ = 0;  ///< the WAL's length at the writer's last commit
    int copied_ = 0;  ///< frames our last pass copied; 0 again once the WAL restarted
    bool stopping_ = false;
    std::atomic<std::uint64_t> checkpoints_run_{0};
    std::thread thread_;
};

}  // namespace claimgate::gateway
