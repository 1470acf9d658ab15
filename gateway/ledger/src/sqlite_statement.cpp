#include "sqlite_statement.hpp"

namespace claimgate::gateway {

SqliteStatement::SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
    const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
    if (code != SQLITE_OK) {
        throw LedgerStoreError(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db_) +
                               " in: " + std::string(sql));
    }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

void SqliteStatement::fail(int code, const char* what) const {
    throw LedgerStoreError(std::string("sqlite ") + what + " failed (" + std::to_string(code) +
                           "): " + sqlite3_errmsg(db_));
}

SqliteStatement& SqliteStatement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
    const int code = sqlite3_bind_int64(statement_, index, value);
    if (code != SQLITE_OK) fail(code, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
    const int code = sqlite3_bind_text(statement_, index, text.data(),
                                       static_cast<int>(text.size()), SQLITE_TRANSIENT);
    if (code != SQLITE_OK) fail(code, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindBlob(int index, const void* data, std::size_t size) {
    const int code =
        sqlite3_bind_blob(statement_, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
    if (code != SQLITE_OK) fail(code, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindNull(int index) {
    const int code = sqlite3_bind_null(statement_, index);
    if (code != SQLITE_OK) fail(code, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindOptional(int index,
                                               const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

SqliteStatement& SqliteStatement::bindOptional(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bindNull(index);
}

bool SqliteStatement::step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    sqlite3_reset(statement_);
    fail(code, "step");
}

int SqliteStatement::run() {
    while (step()) {
    }
    return sqlite3_changes(db_);
}

bool SqliteStatement::runUnlessConstraint() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_DONE || code == SQLITE_ROW) return true;
    sqlite3_reset(statement_);
    if ((code & 0xff) == SQLITE_CONSTRAINT) return false;
    fail(code, "step");
}

std::int64_t SqliteStatement::columnInt(int column) const {
    return sqlite3_column_int64(statement_, column);
}

std::string SqliteStatement::columnText(int column) const {
    const auto* text = sqlite3_column_text(statement_, column);
    const int size = sqlite3_column_bytes(statement_, column);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size))
                : std::string();
}

std::string_view SqliteStatement::columnBlob(int column) const {
    const void* data = sqlite3_column_blob(statement_, column);
    const int size = sqlite3_column_bytes(statement_, column);
    return data ? std::string_view(static_cast<const char*>(data), static_cast<std::size_t>(size))
                : std::string_view();
}

bool SqliteStatement::columnIsNull(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> SqliteStatement::columnOptionalInt(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnInt(column);
}

std::optional<std::string> SqliteStatement::columnOptionalText(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnText(column);
}

}  // namespace claimgate::gateway
