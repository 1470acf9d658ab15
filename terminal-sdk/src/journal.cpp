// File: journal.cpp
#include "journal.hpp"

#include "sdk_limits.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <random>

namespace claimgate::sdk {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

constexpr std::size_t kKeyRandomHexChars = 32;
constexpr std::size_t kKeyPrefixLengthMax = 64 - kKeyRandomHexChars - 1;

Status sqliteError(sqlite3* db, const std::string& what) {
    return Status(ErrorCode::internal,
                  "journal: " + what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "no handle"));
}

// Finalizes a prepared statement on every path.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
            stmt_ = nullptr;
        }
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    [[nodiscard]] bool ok() const noexcept { return stmt_ != nullptr; }
    sqlite3_stmt* get() noexcept { return stmt_; }
    void bind(int index, const std::string& text) {
        sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
    }
    void bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
    int step() { return sqlite3_step(stmt_); }
    std::string text(int column) {
        const auto* data = sqlite3_column_text(stmt_, column);
        const int size = sqlite3_column_bytes(stmt_, column);
        return data == nullptr ? std::string()
                               : std::string(reinterpret_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
    }
    std::int64_t integer(int column) { return sqlite3_column_int64(stmt_, column); }
    sqlite3* db() noexcept { return db_; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

AdviceKind kindFromText(const std::string& text) {
    if (text == "reserve") {
        return AdviceKind::reserve;
    }
    if (text == "void") {
        return AdviceKind::void_;
    }
    return AdviceKind::commit;
}

std::string sanitiseKeyPrefix(const std::string& prefix) {
    std::string out;
    for (char c : prefix) {
        const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        out.push_back(allowed ? c : '_');
        if (out.size() == kKeyPrefixLengthMax) {
            break;
        }
    }
    return out.empty() ? std::string("terminal") : out;
}

}  // namespace

const char* adviceKindName(AdviceKind kind) noexcept {
    switch (kind) {
        case AdviceKind::reserve:
            return "reserve";
        case AdviceKind::commit:
            return "commit";
        case AdviceKind::void_:
            return "void";
    }
    return "commit";
}

std::int64_t Journal::nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Journal::Journal(sqlite3* db, std::string path, std::string key_prefix, std::int64_t count,
                 const JournalSealer& sealer)
    : db_(db),
      path_(std::move(path)),
      key_prefix_(std::move(key_prefix)),
      count_(count),
      sealer_(sealer) {}

Journal::~Journal() { sqlite3_close(db_); }

Status Journal::exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message != nullptr ? message : "unknown error";
        sqlite3_free(message);
        return Status(ErrorCode::internal, std::string("journal: ") + text);
    }
    return Status::okStatus();
}

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path,
                                               const std::string& key_prefix,
                                               const JournalSealer& sealer) {
    if (path.empty()) {
        return Status(ErrorCode::bad_field, "journal_path is empty");
    }
    // Owner-only from the first byte, whatever the umask; SQLite gives the -wal and -shm files
    // the database file's mode. Older journals are tightened.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return Status(ErrorCode::bad_field, "journal_path '" + path + "' cannot be created");
    }
    ::close(fd);
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string file = path + suffix;
        struct stat info {};
        if (::stat(file.c_str(), &info) == 0 && (info.st_mode & 0077) != 0 &&
            ::chmod(file.c_str(), 0600) != 0) {
            return Status(ErrorCode::bad_field, "journal file '" + file +
                                                    "' is readable by others and cannot be "
                                                    "made 0600");
        }
    }
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(
        path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
        Status status = sqliteError(db, "cannot open " + path);
        sqlite3_close(db);
        return status;
    }
    sqlite3_busy_timeout(db, 5000);
    std::unique_ptr<Journal> journal(
        new Journal(db, path, sanitiseKeyPrefix(key_prefix), 0, sealer));
    // FULL: the row reaches the disk before the request leaves (contracts §7); WAL keeps that to
    // one fsync per write.
    for (const char* sql :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA secure_delete=ON",
          "CREATE TABLE IF NOT EXISTS advices ("
          " id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
          " idempotency_key TEXT NOT NULL UNIQUE, claim_id TEXT NOT NULL, path TEXT NOT NULL,"
          " body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
          " next_attempt_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
          " last_error TEXT NOT NULL DEFAULT '')",
          "CREATE INDEX IF NOT EXISTS advices_due ON advices (next_attempt_ms)",
          // Replay on open: whatever an earlier run left is due now.
          "UPDATE advices SET next_attempt_ms = 0"}) {
        if (Status status = journal->exec(sql); !status.ok()) {
            return Status(ErrorCode::internal, status.message() + " (" + path + ")");
        }
    }
    Statement count(db, "SELECT COUNT(*) FROM advices");
    if (!count.ok() || count.step() != SQLITE_ROW) {
        return sqliteError(db, "count");
    }
    journal->count_ = count.integer(0);
    journal->truncateWalIfEmpty();
    return journal;
}

std::string Journal::newIdempotencyKey() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    static constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string key = key_prefix_ + ":";
    for (std::size_t i = 0; i < kKeyRandomHexChars; ++i) {
        key.push_back(kHex[static_cast<std::size_t>(generator() & 0xFU)]);
    }
    return key;
}

Result<std::int64_t> Journal::append(AdviceKind kind, const std::string& idempotency_key,
                                     const std::string& claim_id, const std::string& path,
                                     const std::string& body) {
    std::lock_guard lock(mutex_);
    if (count_ >= kJournalEntriesMax) {
        return Status(ErrorCode::overloaded, "journal full: " + std::to_string(count_) +
                                                 " rows pending delivery (limit " +
                                                 std::to_string(kJournalEntriesMax) +
                                                 "); the gateway has not acknowledged "
                                                 "them - restore the link");
    }
    Statement insert(db_,
                     "INSERT INTO advices (kind, idempotency_key, claim_id, path, body,"
                     " next_attempt_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!insert.ok()) {
        return sqliteError(db_, "prepare insert");
    }
    const std::int64_t now = nowMs();
    insert.bind(1, std::string(adviceKindName(kind)));
    insert.bind(2, idempotency_key);
    insert.bind(3, claim_id);
    insert.bind(4, path);
    // Only a reserve names a citizen; it is the only body sealed (the others are amounts,
    // references and reasons the gateway's ledger keeps in clear as well).
    const std::string stored = kind == AdviceKind::reserve ? sealer_.seal(body) : body;
    if (stored.empty() && !body.empty()) {
        return Status(ErrorCode::internal, "journal: sealing the reserve body failed");
    }
    insert.bind(5, stored);
    insert.bind(6, now);
    insert.bind(7, now);
    if (insert.step() != SQLITE_DONE) {
        return sqliteError(db_, "insert");
    }
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    ++count_;
    in_flight_.insert(id);
    return id;
}

Status Journal::remove(std::int64_t id) {
    std::lock_guard lock(mutex_);
    Statement del(db_, "DELETE FROM advices WHERE id = ?");
    if (!del.ok()) {
        return sqliteError(db_, "prepare delete");
    }
    del.bind(1, id);
    if (del.step() != SQLITE_DONE) {
        return sqliteError(db_, "delete");
    }
    if (sqlite3_changes(db_) > 0) {
        --count_;
    }
    in_flight_.erase(id);
    truncateWalIfEmpty();
    return Status::okStatus();
}

void Journal::truncateWalIfEmpty() {
    if (count_ == 0) {
        // Best effort: a reader elsewhere may block the truncate; the next empty moment retries.
        (void)sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
}

Status Journal::reschedule(std::int64_t id, std::int64_t attempts, std::int64_t next_attempt_ms,
                           const std::string& last_error) {
    std::lock_guard lock(mutex_);
    Statement update(db_,
                     "UPDATE advices SET attempts = ?, next_attempt_ms = ?, last_error = ?"
                     " WHERE id = ?");
    if (!update.ok()) {
        return sqliteError(db_, "prepare reschedule");
    }
    update.bind(1, attempts);
    update.bind(2, next_attempt_ms);
    update.bind(3, last_error.substr(0, 200));
    update.bind(4, id);
    const int rc = update.step();
    in_flight_.erase(id);
    return rc == SQLITE_DONE ? Status::okStatus() : sqliteError(db_, "reschedule");
}

Status Journal::convertToVoid(std::int64_t id, const std::string& claim_id,
                              const std::string& idempotency_key, const std::string& path,
                              const std::string& body) {
    std::lock_guard lock(mutex_);
    Statement update(db_,
                     "UPDATE advices SET kind = 'void', claim_id = ?, idempotency_key = ?,"
                     " path = ?, body = ?, attempts = 0, next_attempt_ms = 0 WHERE id = ?");
    if (!update.ok()) {
        return sqliteError(db_, "prepare convert");
    }
    update.bind(1, claim_id);
    update.bind(2, idempotency_key);
    update.bind(3, path);
    update.bind(4, body);
    update.bind(5, id);
    return update.step() == SQLITE_DONE ? Status::okStatus() : sqliteError(db_, "convert");
}

bool Journal::claim(std::int64_t id) {
    std::lock_guard lock(mutex_);
    return in_flight_.insert(id).second;
}

void Journal::release(std::int64_t id) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(id);
}

Result<std::vector<JournalEntry>> Journal::due(std::int64_t now_ms, std::size_t limit) {
    std::lock_guard lock(mutex_);
    Statement select(db_,
                     "SELECT id, kind, idempotency_key, claim_id, path, body, attempts,"
                     " next_attempt_ms, created_ms FROM advices WHERE next_attempt_ms <= ?"
                     " ORDER BY id LIMIT ?");
    if (!select.ok()) {
        return sqliteError(db_, "prepare due");
    }
    select.bind(1, now_ms);
    select.bind(2, static_cast<std::int64_t>(limit + in_flight_.size()));
    std::vector<JournalEntry> entries;
    int rc = SQLITE_ROW;
    while (entries.size() < limit && (rc = select.step()) == SQLITE_ROW) {
        JournalEntry entry;
        entry.id = select.integer(0);
        if (in_flight_.count(entry.id) != 0) {
            continue;
        }
        entry.kind = kindFromText(select.text(1));
        entry.idempotency_key = select.text(2);
        entry.claim_id = select.text(3);
        entry.path = select.text(4);
        entry.body = select.text(5);
        if (entry.kind == AdviceKind::reserve) {
            auto opened = sealer_.open(entry.body);
            entry.body_unreadable = !opened.has_value();
            entry.body = opened.value_or(std::string());
        }
        entry.attempts = select.integer(6);
        entry.next_attempt_ms = select.integer(7);
        entry.created_ms = select.integer(8);
        entries.push_back(std::move(entry));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return sqliteError(db_, "select due");
    }
    return entries;
}

std::optional<std::int64_t> Journal::nextDueMs() {
    std::lock_guard lock(mutex_);
    Statement select(db_, "SELECT id, next_attempt_ms FROM advices ORDER BY next_attempt_ms");
    if (!select.ok()) {
        return std::nullopt;
    }
    while (select.step() == SQLITE_ROW) {
        if (in_flight_.count(select.integer(0)) == 0) {
            return select.integer(1);
        }
    }
    return std::nullopt;
}

Status Journal::makeAllDue() {
    std::lock_guard lock(mutex_);
    return exec("UPDATE advices SET next_attempt_ms = 0");
}

std::int64_t Journal::count() {
    std::lock_guard lock(mutex_);
    return count_;
}

}  // namespace claimgate::sdk
