// File: sqlite_wal_batching_vfs.hpp
// A SQLite VFS over the default one that hands a commit's WAL frames to the kernel in one
// write instead of two per frame (docs/performance.md, "One write per commit").
#pragma once

namespace claimgate::gateway {

/// SQLite writes each WAL frame as two pwrite calls (its 24-byte header, then the page), so a
/// group commit of a few hundred pages made a few hundred system calls before its one fsync;
/// on the bench box those calls were a quarter of the ledger writer's CPU. Files opened through
/// this VFS collect consecutive WAL writes in memory and write them at once:
///
/// - before the WAL is synced (every commit: the ledger runs with synchronous=FULL), so what is
///   acknowledged is on disk exactly as before;
/// - before the connection publishes new frames to other connections (the WAL index barrier),
///   so no reader or checkpointer can look for a frame that is not in the file yet;
/// - before any read, truncation, size query or close of the WAL, before a write that does not
///   continue the collected run, and whenever kWalWriteBatchMaxBytes are collected.
///
/// Everything else (locks, shared memory, the database file itself) passes straight through.
class SqliteWalBatchingVfs {
public:
    /// The VFS name to open ledger connections with: registered on the first call (not as the
    /// default). nullptr if SQLite refused it, and then connections use the default VFS.
    static const char* name();
};

}  // namespace claimgate::gateway
