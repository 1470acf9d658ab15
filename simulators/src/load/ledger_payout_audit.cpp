#include "load/ledger_payout_audit.hpp"

#include <sqlite3.h>

#include <memory>

namespace claimgate::simulators {
namespace {

using protocols::ErrorCode;
using protocols::Status;

struct DatabaseCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

constexpr int kBusyTimeoutMillis = 5000;

protocols::Result<std::uint64_t> countRows(sqlite3* db, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
        return Status(ErrorCode::internal,
                      std::string("ledger query failed: ") + sqlite3_errmsg(db));
    }
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement(raw);
    std::uint64_t rows = 0;
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(statement.get())) == SQLITE_ROW) ++rows;
    if (step != SQLITE_DONE) {
        return Status(ErrorCode::internal,
                      std::string("ledger query failed: ") + sqlite3_errmsg(db));
    }
    return rows;
}

}  // namespace

protocols::Result<LedgerPayoutCounts> countLedgerPayouts(const std::string& data_dir) {
    const std::string path = data_dir + "/ledger.db";
    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, DatabaseCloser> db(raw);
    if (opened != SQLITE_OK) {
        return Status(ErrorCode::internal, "cannot open " + path + " read-only: " +
                                               (raw ? sqlite3_errmsg(raw) : "out of memory"));
    }
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMillis);
    LedgerPayoutCounts counts;
    auto doubles =
        countRows(db.get(),
                  "SELECT program, citizen_key, count(*) FROM claims WHERE status = 'paid' "
                  "GROUP BY 1, 2 HAVING count(*) > 1");
    if (!doubles) return doubles.status();
    counts.double_paid_citizens = doubles.value();
    // One row per paid claim would be slow on big ledgers; count in SQL instead.
    sqlite3_stmt* raw_statement = nullptr;
    if (sqlite3_prepare_v2(db.get(), "SELECT count(*) FROM claims WHERE status = 'paid'", -1,
                           &raw_statement, nullptr) != SQLITE_OK) {
        return Status(ErrorCode::internal,
                      std::string("ledger query failed: ") + sqlite3_errmsg(db.get()));
    }
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement(raw_statement);
    if (sqlite3_step(statement.get()) != SQLITE_ROW) {
        return Status(ErrorCode::internal,
                      std::string("ledger query failed: ") + sqlite3_errmsg(db.get()));
    }
    counts.paid_claims = static_cast<std::uint64_t>(sqlite3_column_int64(statement.get(), 0));
    return counts;
}

}  // namespace claimgate::simulators
