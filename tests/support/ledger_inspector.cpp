#include "ledger_inspector.hpp"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

namespace claimgate::testing {
namespace {

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

Db open(const std::string& path, bool read_only) {
    sqlite3* raw = nullptr;
    const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
        const std::string message = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
        sqlite3_close(raw);
        throw std::runtime_error("cannot open " + path + ": " + message);
    }
    sqlite3_busy_timeout(raw, 10000);
    return Db(raw);
}

template <typename Row>
void query(sqlite3* db, const std::string& sql, Row&& row) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        throw std::runtime_error(std::string("prepare failed: ") + sqlite3_errmsg(db));
    }
    int code = 0;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) row(statement);
    sqlite3_finalize(statement);
    if (code != SQLITE_DONE) {
        throw std::runtime_error(std::string("query failed: ") + sqlite3_errmsg(db));
    }
}

}  // namespace

std::int64_t countRows(const std::string& ledger_path, const std::string& table,
                       const std::string& where) {
    Db db = open(ledger_path, true);
    std::int64_t count = -1;
    query(db.get(),
          "SELECT count(*) FROM " + table + (where.empty() ? std::string() : " WHERE " + where),
          [&](sqlite3_stmt* statement) { count = sqlite3_column_int64(statement, 0); });
    return count;
}

std::string journalMode(const std::string& ledger_path) {
    Db db = open(ledger_path, true);
    std::string mode;
    query(db.get(), "PRAGMA journal_mode", [&](sqlite3_stmt* statement) {
        mode = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    });
    return mode;
}

std::string integrityCheck(const std::string& ledger_path) {
    Db db = open(ledger_path, true);
    std::string verdict;
    query(db.get(), "PRAGMA integrity_check", [&](sqlite3_stmt* statement) {
        if (!verdict.empty()) verdict += '\n';
        verdict += reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    });
    return verdict;
}

std::map<std::string, std::int64_t> paidClaimsPerCitizen(const std::string& ledger_path,
                                                         const std::string& program) {
    Db db = open(ledger_path, true);
    std::map<std::string, std::int64_t> counts;
    query(db.get(),
          "SELECT hex(citizen_key), count(*) FROM claims WHERE status = 'paid' AND program = '" +
              program + "' GROUP BY citizen_key",
          [&](sqlite3_stmt* statement) {
              counts[reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))] =
                  sqlite3_column_int64(statement, 1);
          });
    return counts;
}

void execSql(const std::string& ledger_path, const std::string& sql) {
    Db db = open(ledger_path, false);
    char* error = nullptr;
    if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : "unknown";
        sqlite3_free(error);
        throw std::runtime_error("SQL failed: " + message);
    }
}

}  // namespace claimgate::testing
