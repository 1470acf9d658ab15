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
    /// Passes after which the kernel was asked to start writing the database file's dirty pages
    /// (for tests).
    [[nodiscard]] std::uint64_t writebacksStarted() const {
        return writebacks_started_.load(std::memory_order_relaxed);
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
    /// Asks the kernel to start writing the pages a pass copied into the database file, without
    /// waiting for them and without a device cache flush. Left to the kernel's own flusher, they
    /// went out in bursts of hundreds of MiB, and every WAL fdatasync of the writer in the
    /// meantime waited behind such a burst: a claim's p99 (docs/performance.md, "Database
    /// write-back started after each checkpoint pass").
    void startWriteback();

    sqlite3* db_ = nullptr;
    int database_fd_ = -1;  ///< the database file, read-only, for startWriteback(); -1 if unopened
    std::mutex mutex_;
    std::condition_variable wake_;
    int frames_ = 0;  ///< the WAL's length at the writer's last commit
    int copied_ = 0;  ///< frames our last pass copied; 0 again once the WAL restarted
    bool stopping_ = false;
    std::atomic<std::uint64_t> checkpoints_run_{0};
    std::atomic<std::uint64_t> writebacks_started_{0};
    std::thread thread_;
};

}  // namespace claimgate::gateway
