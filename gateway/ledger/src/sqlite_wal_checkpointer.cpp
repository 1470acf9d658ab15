#include "sqlite_wal_checkpointer.hpp"

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/log.hpp>
#include <claimgate/protocols/thread_name.hpp>

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace claimgate::gateway {

SqliteWalCheckpointer::SqliteWalCheckpointer(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw LedgerStoreError("cannot open ledger " + path + " for checkpoints: " + message);
    }
    // FULL: the checkpoint syncs the WAL before copying it and the database file after, so a
    // crash mid-copy loses nothing (the WAL is only reused once the copy is on disk).
    char* error = nullptr;
    if (sqlite3_exec(db_, "PRAGMA synchronous = FULL", nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : "unknown error";
        sqlite3_free(error);
        sqlite3_close(db_);
        throw LedgerStoreError("ledger checkpoint connection: " + message);
    }
    database_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (database_fd_ < 0) {  // checkpoints still work; the kernel writes the pages when it likes
        log::warn("ledger", "cannot open the ledger file to start its write-back early",
                  {{"error", std::strerror(errno)}});
    }
    thread_ = std::thread([this] { run(); });
}

SqliteWalCheckpointer::~SqliteWalCheckpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    sqlite3_close(db_);
    if (database_fd_ >= 0) ::close(database_fd_);
}

void SqliteWalCheckpointer::walGrew(int frames) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        frames_ = frames;
        if (frames < copied_) copied_ = 0;  // the writer restarted the WAL from the top
        wake = uncopiedFrames() >= kWalCheckpointFramesMin;
    }
    if (wake) wake_.notify_one();
}

void SqliteWalCheckpointer::run() {
    protocols::nameThisThread("cg-ledger-ckpt");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::milliseconds(kWalCheckpointIntervalMillis),
                       [this] { return stopping_ || uncopiedFrames() >= kWalCheckpointFramesMin; });
        if (stopping_) break;
        if (uncopiedFrames() == 0) continue;
        lock.unlock();
        const int copied = checkpointOnce();
        lock.lock();
        if (copied < 0) {  // not now: try again at the next tick, not in a loop
            wake_.wait_for(lock, std::chrono::milliseconds(kWalCheckpointIntervalMillis),
                           [this] { return stopping_; });
            continue;
        }
        // The writer may have restarted the WAL meanwhile (frames_ below what we copied): then
        // the count starts again from the top.
        copied_ = copied <= frames_ ? copied : 0;
    }
}

int SqliteWalCheckpointer::checkpointOnce() {
    // PASSIVE: copies what no reader still needs and never waits for, nor blocks, the writer.
    // The writer restarts the WAL from the top at its next transaction once all of it is copied.
    int wal_frames = 0;
    int copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
    if (rc == SQLITE_OK) {
        if (copied > 0) startWriteback();
        checkpoints_run_.fetch_add(1, std::memory_order_relaxed);
        return copied;
    }
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {  // busy: the writer's valve is running one
        // Not fatal: the writer checkpoints itself when the WAL grows past its limit.
        log::warn("ledger", "background WAL checkpoint failed",
                  {{"error", log::firstLine(sqlite3_errmsg(db_))}});
    }
    return -1;
}

void SqliteWalCheckpointer::startWriteback() {
    if (database_fd_ < 0) return;
    // The whole file: only its dirty pages are written, and those are the ones the passes
    // copied. SYNC_FILE_RANGE_WRITE alone starts the writes and returns; durability still comes
    // from SQLite's own syncs (FULL), not from this call.
    if (::sync_file_range(database_fd_, 0, 0, SYNC_FILE_RANGE_WRITE) == 0) {
        writebacks_started_.fetch_add(1, std::memory_order_relaxed);
    }
}

}  // namespace claimgate::gateway
