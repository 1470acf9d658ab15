// File: ledger_write_lock.hpp
// Holds a SQLite ledger's write lock from a second connection, as another process would, so
// that a test can make the gateway's writer wait.
#pragma once

#include <string>

struct sqlite3;

namespace claimgate::testing {

class LedgerWriteLock {
public:
    /// Takes the lock, waiting (as the gateway's own connections do) while one of the gateway's
    /// connections holds it for a moment; throws std::runtime_error if it cannot.
    explicit LedgerWriteLock(const std::string& ledger_path);
    ~LedgerWriteLock();
    LedgerWriteLock(const LedgerWriteLock&) = delete;
    LedgerWriteLock& operator=(const LedgerWriteLock&) = delete;

    /// Rolls back and closes; the writer resumes. Idempotent.
    void release();

private:
    sqlite3* db_ = nullptr;
};

}  // namespace claimgate::testing
