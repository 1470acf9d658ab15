// File: journal.hpp
// The device-side store-and-forward journal (contracts §7): one SQLite file, WAL and
// synchronous=FULL, so a row is on the disk before the request it describes is sent. Rows are
// deleted only when the gateway has answered definitively. Thread-safe (the foreground calls and
// the background sender share it).
//
// No personal data at rest (issue 11): the file and its WAL are created 0600, a reserve's body
// (the only one naming a citizen) is sealed (journal_sealer.hpp), deleted rows are overwritten
// (secure_delete) and the WAL is checkpointed and truncated whenever the journal runs empty.
#pragma once

#include "journal_entry.hpp"
#include "journal_sealer.hpp"

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

struct sqlite3;

namespace claimgate::sdk {

class Journal {
public:
    /// Opens or creates the journal at `path`. Rows left by an earlier run become due at once
    /// (replay on open). `key_prefix` (the terminal id) starts every idempotency key.
    static protocols::Result<std::unique_ptr<Journal>> open(const std::string& path,
                                                            const std::string& key_prefix,
                                                            const JournalSealer& sealer);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    /// "<terminal-id>:<32 hex>", within [A-Za-z0-9._:-]{1,64}.
    [[nodiscard]] std::string newIdempotencyKey();

    /// Writes (and fsyncs) a row, marked in flight so the sender leaves it to the caller until
    /// release(). Fails with `overloaded` ("journal full") at kJournalEntriesMax rows.
    protocols::Result<std::int64_t> append(AdviceKind kind, const std::string& idempotency_key,
                                           const std::string& claim_id, const std::string& path,
                                           const std::string& body);
    /// Deletes a row: the gateway answered definitively.
    protocols::Status remove(std::int64_t id);
    /// Schedules the next attempt of a row and releases it to the sender.
    protocols::Status reschedule(std::int64_t id, std::int64_t attempts,
                                 std::int64_t next_attempt_ms, const std::string& last_error);
    /// A reserve reversal learnt its claim id: the row becomes a void advice with a new key.
    protocols::Status convertToVoid(std::int64_t id, const std::string& claim_id,
                                    const std::string& idempotency_key, const std::string& path,
                                    const std::string& body);
    /// Marks a row in flight (false if it already is) / no longer in flight.
    bool claim(std::int64_t id);
    void release(std::int64_t id);

    /// Rows due at `now_ms` and not in flight, oldest first, at most `limit`.
    protocols::Result<std::vector<JournalEntry>> due(std::int64_t now_ms, std::size_t limit);
    /// Earliest next_attempt_ms among rows not in flight.
    std::optional<std::int64_t> nextDueMs();
    /// Makes every row due now (cg_flush).
    protocols::Status makeAllDue();

    [[nodiscard]] std::int64_t count();
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    static std::int64_t nowMs();

private:
    Journal(sqlite3* db, std::string path, std::string key_prefix, std::int64_t count,
            const JournalSealer& sealer);
    protocols::Status exec(const char* sql);
    /// Called with mutex_ held after a row left: an empty journal truncates its WAL.
    void truncateWalIfEmpty();

    std::mutex mutex_;
    sqlite3* db_;
    std::string path_;
    std::string key_prefix_;
    std::int64_t count_;
    std::set<std::int64_t> in_flight_;
    JournalSealer sealer_;
};

}  // namespace claimgate::sdk
