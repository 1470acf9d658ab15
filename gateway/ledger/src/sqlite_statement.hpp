// File: sqlite_statement.hpp
// A prepared SQLite statement with typed binds and reads. Throws LedgerStoreError on any
// SQLite error so callers cannot forget to check a return code.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claimgate::gateway {

class SqliteStatement {
public:
    SqliteStatement(sqlite3* db, std::string_view sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    /// Resets the statement and clears bindings for the next use.
    SqliteStatement& reset();
    SqliteStatement& bind(int index, std::int64_t value);
    SqliteStatement& bind(int index, std::string_view text);
    SqliteStatement& bindBlob(int index, const void* data, std::size_t size);
    SqliteStatement& bindNull(int index);
    SqliteStatement& bindOptional(int index, const std::optional<std::int64_t>& value);
    SqliteStatement& bindOptional(int index, const std::optional<std::string>& value);

    /// true while a row is available; false when done. Constraint errors throw.
    bool step();
    /// Runs to completion (for writes); returns sqlite3_changes.
    int run();
    /// step() that reports a UNIQUE/constraint violation as false instead of throwing.
    bool runUnlessConstraint();

    [[nodiscard]] std::int64_t columnInt(int column) const;
    [[nodiscard]] std::string columnText(int column) const;
    [[nodiscard]] std::string_view columnBlob(int column) const;
    [[nodiscard]] bool columnIsNull(int column) const;
    [[nodiscard]] std::optional<std::int64_t> columnOptionalInt(int column) const;
    [[nodiscard]] std::optional<std::string> columnOptionalText(int column) const;

private:
    [[noreturn]] void fail(int code, const char* what) const;

    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

}  // namespace claimgate::gateway
