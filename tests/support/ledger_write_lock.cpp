#include "ledger_write_lock.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace claimgate::testing {
namespace {

constexpr int kLockWaitMillis = 10'000;

}  // namespace

LedgerWriteLock::LedgerWriteLock(const std::string& ledger_path) {
    if (sqlite3_open(ledger_path.c_str(), &db_) != SQLITE_OK ||
        sqlite3_busy_timeout(db_, kLockWaitMillis) != SQLITE_OK ||
        sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        const std::string error = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("cannot lock the ledger: " + error);
    }
}

LedgerWriteLock::~LedgerWriteLock() { release(); }

void LedgerWriteLock::release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
}

}  // namespace claimgate::testing
