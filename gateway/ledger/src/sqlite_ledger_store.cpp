#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include "sqlite_page_cache.hpp"
#include "sqlite_roster_feed.hpp"
#include "sqlite_statement.hpp"
#include "sqlite_wal_batching_vfs.hpp"
#include "sqlite_wal_checkpointer.hpp"

#include <claimgate/ledger/limits.hpp>
#include <claimgate/ledger/roster_row_source.hpp>

#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/log.hpp>

#include <cassert>
#include <cstring>

namespace claimgate::gateway {
namespace {

using protocols::Channel;
using protocols::ClaimStatus;

constexpr int kSchemaVersion = 6;

// The claims table and its indexes, shared by a fresh ledger (kSchema) and the upgrade to
// schema 5. Invariant 1 lives in claims_one_blocking: a partial unique index over the claims
// that are not voided. Status tests are written as comparisons, never `IN (...)` lists: SQLite
// evaluates a list of more than two constants through a temporary B-tree built at every
// execution, and a claim's insert and update evaluated five of them (schema 4).
// The index's condition names voided_at, not status (schema 5): SQLite rewrites a partial
// index's entry on every UPDATE that sets a column its WHERE names, and every status change
// sets status, so each commit deleted and re-inserted the citizen's entry on a random leaf.
// Only a void sets voided_at (updateClaim's two statements). The second CHECK makes the two
// conditions one: a claim is voided exactly when it has a voided_at, so the index still holds
// every held, in-doubt and paid claim and nothing else.
#define CG_CLAIMS_COLUMNS_SQL                                                                   \
    "(claim_id TEXT PRIMARY KEY, claim_code TEXT NOT NULL, program TEXT NOT NULL,\n"            \
    "  citizen_key BLOB NOT NULL, citizen_mask TEXT NOT NULL, channel TEXT NOT NULL,\n"         \
    "  operator TEXT NOT NULL, terminal_id TEXT NOT NULL, amount INTEGER NOT NULL,\n"           \
    "  status TEXT NOT NULL CHECK (status = 'held' OR status = 'in_doubt' OR status = 'paid'\n" \
    "                              OR status = 'voided'),\n"                                    \
    "  held_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, paid_at INTEGER,\n"               \
    "  voided_at INTEGER, terminal_ref TEXT, reason TEXT, dispensed_at INTEGER,\n"              \
    "  CHECK ((status = 'voided') = (voided_at IS NOT NULL))) WITHOUT ROWID;\n"
#define CG_CLAIMS_INDEXES_SQL                                                                  \
    "CREATE UNIQUE INDEX IF NOT EXISTS claims_one_blocking ON claims (program, citizen_key)\n" \
    "  WHERE voided_at IS NULL;\n"                                                             \
    "CREATE UNIQUE INDEX IF NOT EXISTS claims_code ON claims (operator, claim_code);\n"        \
    "CREATE INDEX IF NOT EXISTS claims_held_expiry ON claims (expires_at) WHERE status = "     \
    "'held';\n"

// The idempotency table (schema 6): a rowid table, so that each stored reply (hundreds of bytes,
// a receipt's included) is appended where the batch's other replies go, and only a small
// (operator, key) entry lands at the key's place in idempotency_key. Until schema 5 the table
// was clustered on (operator, key) WITHOUT ROWID: every reply went into the leaf of its key,
// a handful of replies filled a leaf, and the terminals' interleaved key streams split and
// rebalanced those leaves all the time (docs/performance.md, "Replies appended, keys indexed").
#define CG_IDEMPOTENCY_COLUMNS_SQL                                              \
    "(operator TEXT NOT NULL, key TEXT NOT NULL, request_hash BLOB NOT NULL,\n" \
    "  http_status INTEGER NOT NULL, reply TEXT NOT NULL, created_at INTEGER NOT NULL);\n"
// Created after the upgrades, which may rebuild the table (and drop its indexes with it).
constexpr const char* kIdempotencyIndexes =
    "CREATE UNIQUE INDEX IF NOT EXISTS idempotency_key ON idempotency (operator, key);\n"
    "CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);";

// Invariant 4's append-only rule lives in the two triggers on claim_events.
constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS programs (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roster (
  program TEXT NOT NULL, citizen_key BLOB NOT NULL, nhi_hash BLOB, amount INTEGER NOT NULL,
  proxies BLOB, claim_by INTEGER NOT NULL, excluded TEXT,
  version INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program, citizen_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roster_versions (
  version INTEGER PRIMARY KEY, program TEXT NOT NULL, source TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS claims )SQL" CG_CLAIMS_COLUMNS_SQL CG_CLAIMS_INDEXES_SQL R"SQL(
CREATE TABLE IF NOT EXISTS claim_events (
  seq INTEGER PRIMARY KEY, claim_id TEXT NOT NULL, body TEXT NOT NULL, hash BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS claim_events_no_update BEFORE UPDATE ON claim_events
  BEGIN SELECT RAISE(ABORT, 'claim_events is append-only'); END;
CREATE TRIGGER IF NOT EXISTS claim_events_no_delete BEFORE DELETE ON claim_events
  BEGIN SELECT RAISE(ABORT, 'claim_events is append-only'); END;
CREATE TABLE IF NOT EXISTS idempotency )SQL" CG_IDEMPOTENCY_COLUMNS_SQL R"SQL(
)SQL";

// Schema 1 -> 2: roster versions (live roster changes). Fresh databases get the columns from
// kSchema; the index needs them, so it is created after this step either way.
constexpr const char* kRosterVersionsColumns =
    "ALTER TABLE roster ADD COLUMN version INTEGER NOT NULL DEFAULT 0; "
    "ALTER TABLE roster ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;";
constexpr const char* kRosterVersionsIndex =
    "CREATE INDEX IF NOT EXISTS roster_by_version ON roster (version);";

// Schema 2 -> 3: the terminal's time of dispense beside paid_at (last, as ADD COLUMN puts it,
// so fresh and upgraded databases have one layout).
constexpr const char* kDispensedAtColumn = "ALTER TABLE claims ADD COLUMN dispensed_at INTEGER;";

// Schema 3 -> 4 -> 5: the claims table and its indexes rebuilt as CG_CLAIMS_COLUMNS_SQL and
// CG_CLAIMS_INDEXES_SQL say (4: comparisons instead of IN lists; 5: the voided_at CHECK and
// index condition). SQLite cannot alter a CHECK, so the rows move to a new table; the claims'
// bytes and the chain are untouched, and a row the new CHECK refuses fails the upgrade, which
// then changes nothing. Runs inside migrate()'s transaction.
constexpr const char* kClaimsRebuild =
    "CREATE TABLE claims_v5 " CG_CLAIMS_COLUMNS_SQL
    "INSERT INTO claims_v5 (claim_id, claim_code, program, citizen_key, citizen_mask, channel, "
    "operator, terminal_id, amount, status, held_at, expires_at, paid_at, voided_at, "
    "terminal_ref, reason, dispensed_at) SELECT claim_id, claim_code, program, citizen_key, "
    "citizen_mask, channel, operator, terminal_id, amount, status, held_at, expires_at, "
    "paid_at, voided_at, terminal_ref, reason, dispensed_at FROM claims;\n"
    "DROP TABLE claims;\n"
    "ALTER TABLE claims_v5 RENAME TO claims;\n" CG_CLAIMS_INDEXES_SQL;

// Schema 5 -> 6: the idempotency rows move into a rowid table (CG_IDEMPOTENCY_COLUMNS_SQL), in
// the order they were stored; kIdempotencyIndexes follows. Runs inside migrate()'s transaction.
constexpr const char* kIdempotencyRebuild =
    "CREATE TABLE idempotency_v6 " CG_IDEMPOTENCY_COLUMNS_SQL
    "INSERT INTO idempotency_v6 (operator, key, request_hash, http_status, reply, created_at) "
    "SELECT operator, key, request_hash, http_status, reply, created_at FROM idempotency "
    "ORDER BY created_at;\n"
    "DROP TABLE idempotency;\n"
    "ALTER TABLE idempotency_v6 RENAME TO idempotency;\n";
#undef CG_CLAIMS_COLUMNS_SQL
#undef CG_CLAIMS_INDEXES_SQL
#undef CG_IDEMPOTENCY_COLUMNS_SQL

constexpr const char* kClaimColumns =
    "claim_id, claim_code, program, citizen_key, citizen_mask, channel, operator, terminal_id, "
    "amount, status, held_at, expires_at, paid_at, voided_at, terminal_ref, reason, "
    "dispensed_at";

std::string selectClaims(const char* where) {
    return std::string("SELECT ") + kClaimColumns + " FROM claims " + where;
}

// What the claims table's second CHECK says, asserted before the store writes a claim: the
// blocking index's condition (voided_at IS NULL) then picks exactly the unvoided claims.
void assertVoidedAtMatchesStatus(const ClaimRecord& claim) {
    CG_ASSERT((claim.status == ClaimStatus::voided) == claim.voided_at.has_value(),
              "a claim is voided exactly when it has a voided_at (invariant 1's index)");
}

CitizenKey keyFromBlob(std::string_view blob) {
    CitizenKey key{};
    if (blob.size() != key.size()) {
        throw LedgerStoreError("stored key has the wrong size");
    }
    std::memcpy(key.data(), blob.data(), key.size());
    return key;
}

}  // namespace

struct SqliteLedgerStore::Statements {
    explicit Statements(sqlite3* db)
        : begin(db, "BEGIN IMMEDIATE"),
          commit(db, "COMMIT"),
          rollback(db, "ROLLBACK"),
          savepoint(db, "SAVEPOINT op"),
          release(db, "RELEASE op"),
          rollback_to(db, "ROLLBACK TO op"),
          find_reply(db,
                     "SELECT request_hash, http_status, reply FROM idempotency "
                     "WHERE operator = ? AND key = ?"),
          save_reply(db,
                     "INSERT INTO idempotency (operator, key, request_hash, http_status, reply, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?)"),
          purge_replies(db,
                        "DELETE FROM idempotency WHERE rowid IN (SELECT rowid "
                        "FROM idempotency WHERE created_at < ? LIMIT ?)"),
          find_blocking(db, selectClaims("WHERE program = ? AND citizen_key = ? AND "
                                         "voided_at IS NULL")),
          find_claim(db, selectClaims("WHERE claim_id = ?")),
          find_by_code(db, selectClaims("WHERE operator = ? AND claim_code = ?")),
          code_exists(db, "SELECT 1 FROM claims WHERE operator = ? AND claim_code = ?"),
          insert_claim(db, std::string("INSERT INTO claims (") + kClaimColumns +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          // Two statements: only a void may name voided_at (see CG_CLAIMS_INDEXES_SQL).
          update_unvoided(db,
                          "UPDATE claims SET status = ?, paid_at = ?, terminal_ref = ?, "
                          "reason = ?, amount = ?, terminal_id = ?, dispensed_at = ? "
                          "WHERE claim_id = ?"),
          update_voided(db,
                        "UPDATE claims SET status = ?, paid_at = ?, terminal_ref = ?, "
                        "reason = ?, amount = ?, terminal_id = ?, dispensed_at = ?, "
                        "voided_at = ? WHERE claim_id = ?"),
          expired_holds(db, selectClaims("WHERE status = 'held' AND expires_at <= ? "
                                         "ORDER BY expires_at LIMIT ?")),
          count_claims(db, "SELECT count(*) FROM claims WHERE status = ?"),
          last_event(db,
                     "SELECT seq, claim_id, body, hash FROM claim_events "
                     "ORDER BY seq DESC LIMIT 1"),
          append_event(db,
                       "INSERT INTO claim_events (seq, claim_id, body, hash) "
                       "VALUES (?, ?, ?, ?)"),
          load_roster(db,
                      "INSERT INTO roster (program, citizen_key, nhi_hash, amount, proxies, "
                      "claim_by, excluded, version, removed) SELECT program, citizen_key, "
                      "nhi_hash, amount, proxies, claim_by, excluded, version, removed FROM "
                      "cg_roster_feed WHERE true ON CONFLICT (program, citizen_key) DO UPDATE "
                      "SET nhi_hash = excluded.nhi_hash, amount = excluded.amount, proxies = "
                      "excluded.proxies, claim_by = excluded.claim_by, excluded = "
                      "excluded.excluded, version = excluded.version, removed = "
                      "excluded.removed"),
          get_meta(db, "SELECT value FROM meta WHERE key = ?"),
          put_meta(db,
                   "INSERT INTO meta (key, value) VALUES (?, ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value") {}

    SqliteStatement begin, commit, rollback, savepoint, release, rollback_to;
    SqliteStatement find_reply, save_reply, purge_replies;
    SqliteStatement find_blocking, find_claim, find_by_code, code_exists, insert_claim,
        update_unvoided, update_voided, expired_holds, count_claims;
    SqliteStatement last_event, append_event;
    SqliteStatement load_roster;  // reads cg_roster_feed (SqliteRosterFeed)
    SqliteStatement get_meta, put_meta;
};

SqliteLedgerStore::SqliteLedgerStore(const std::string& path) {
    static_cast<void>(SqlitePageCache::installOnce());  // must precede SQLite's initialisation
    // A commit's WAL frames reach the kernel in one write, not two per frame.
    const int code = sqlite3_open_v2(
        path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
        SqliteWalBatchingVfs::name());
    if (code != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw LedgerStoreError("cannot open ledger " + path + ": " + message);
    }
    try {
        sqlite3_busy_timeout(db_, kBusyTimeoutMillis);
        // WAL + synchronous=FULL: every COMMIT fsyncs the WAL, so acknowledged means durable.
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = FULL");
        exec("PRAGMA foreign_keys = ON");
        setPageCacheKiB(kPageCacheKiB);
        // One-shot commands checkpoint on this connection; a serving node moves the same work
        // to its own thread (startBackgroundCheckpoints).
        exec(("PRAGMA wal_autocheckpoint = " + std::to_string(kWalCheckpointFramesMin)).c_str());
        migrate();
        roster_feed_ = std::make_unique<SqliteRosterFeed>(db_);
        statements_ = std::make_unique<Statements>(db_);
    } catch (...) {
        // No destructor runs for a constructor that throws (a refused upgrade, say): the
        // connection is closed here, after the statements on it.
        statements_.reset();
        roster_feed_.reset();
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

void SqliteLedgerStore::setPageCacheKiB(int kib) {
    exec(("PRAGMA cache_size = -" + std::to_string(kib)).c_str());  // negative: KiB, not pages
}

SqliteLedgerStore::~SqliteLedgerStore() {
    // The checkpoint connection goes first: the writer's close, the last one, then copies what
    // is left of the WAL and removes it.
    checkpointer_.reset();
    statements_.reset();
    sqlite3_close(db_);
}

void SqliteLedgerStore::exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw LedgerStoreError("sqlite: " + message);
    }
}

void SqliteLedgerStore::migrate() {
    exec("BEGIN IMMEDIATE");
    try {
        exec(kSchema);
        std::int64_t version = kSchemaVersion;
        {
            SqliteStatement current(db_, "SELECT value FROM meta WHERE key = 'schema_version'");
            if (current.step()) version = std::stoll(current.columnText(0));
        }
        if (version > kSchemaVersion) {
            throw LedgerStoreError("ledger schema " + std::to_string(version) +
                                   " is newer than this gateway");
        }
        if (version < 2) exec(kRosterVersionsColumns);
        if (version < 3) exec(kDispensedAtColumn);
        if (version < 5) {
            log::info("ledger", "upgrading the claims table to schema 5",
                      {{"from_version", version}});
            try {
                exec(kClaimsRebuild);
            } catch (const LedgerStoreError& error) {
                // The likeliest cause is a row the voided_at CHECK refuses, which no gateway
                // writes: say so, so that an operator looks at the rows and not the disk.
                throw LedgerStoreError(
                    std::string("cannot upgrade the claims table to schema 5 (is there a claim "
                                "whose voided_at disagrees with its status? SELECT claim_id FROM "
                                "claims WHERE (status = 'voided') <> (voided_at IS NOT NULL)): ") +
                    error.what());
            }
        }
        if (version < 6) {
            log::info("ledger", "upgrading the idempotency table to schema 6",
                      {{"from_version", version}});
            exec(kIdempotencyRebuild);
        }
        exec(kRosterVersionsIndex);
        exec(kIdempotencyIndexes);
        exec(("INSERT INTO meta (key, value) VALUES ('schema_version', '" +
              std::to_string(kSchemaVersion) +
              "') ON CONFLICT (key) DO UPDATE SET value = "
              "excluded.value")
                 .c_str());
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

void SqliteLedgerStore::startBackgroundCheckpoints() {
    if (checkpointer_) return;
    // The connection knows its file: the checkpointer opens the same one.
    checkpointer_ = std::make_unique<SqliteWalCheckpointer>(sqlite3_db_filename(db_, "main"));
    // Replaces the automatic checkpoint (itself a WAL hook) with ours.
    sqlite3_wal_hook(db_, &SqliteLedgerStore::onWalCommit, this);
}

std::uint64_t SqliteLedgerStore::backgroundCheckpoints() const {
    return checkpointer_ ? checkpointer_->checkpointsRun() : 0;
}

std::uint64_t SqliteLedgerStore::backgroundWritebacks() const {
    return checkpointer_ ? checkpointer_->writebacksStarted() : 0;
}

void SqliteLedgerStore::setWriterCheckpointFrames(int frames) {
    assert(frames > 0);
    writer_checkpoint_frames_ = frames;
}

int SqliteLedgerStore::onWalCommit(void* self, sqlite3* db, const char* database, int frames) {
    auto& store = *static_cast<SqliteLedgerStore*>(self);
    assert(store.checkpointer_);
    store.checkpointer_->walGrew(frames);
    if (frames >= store.writer_checkpoint_frames_) {
        // The safety valve: the background thread has copied all but the newest frames, so
        // this copies little, and once all is copied the next transaction restarts the WAL.
        if (sqlite3_wal_checkpoint_v2(db, database, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
            SQLITE_OK) {
            ++store.writer_checkpoints_;
        }
    }
    return SQLITE_OK;  // the commit itself succeeded whatever the checkpoint did
}

void SqliteLedgerStore::begin() { statements_->begin.reset().run(); }
void SqliteLedgerStore::commit() {
    statements_->commit.reset().run();
    if (rollback_journal_) leaveRollbackJournal();
}
void SqliteLedgerStore::rollback() {
    if (!sqlite3_get_autocommit(db_)) statements_->rollback.reset().run();
    if (rollback_journal_) leaveRollbackJournal();
}

bool SqliteLedgerStore::switchJournalMode(const char* mode) {
    try {
        SqliteStatement statement(db_, std::string("PRAGMA journal_mode = ") + mode);
        return statement.step() && statement.columnText(0) == mode;
    } catch (const LedgerStoreError&) {
        return false;  // another connection has the ledger open
    }
}

void SqliteLedgerStore::enterRollbackJournal() {
    // Leaving WAL mode needs every other connection closed. Asking must not wait the busy
    // timeout out: a serving node keeps its connections open for good.
    sqlite3_busy_timeout(db_, 0);
    rollback_journal_ = switchJournalMode("delete");
    sqlite3_busy_timeout(db_, kBusyTimeoutMillis);
    if (rollback_journal_) ++rollback_journal_rosters_;
}

void SqliteLedgerStore::leaveRollbackJournal() {
    rollback_journal_ = false;
    // Best effort: the transaction is committed (or rolled back) either way, and every store
    // that opens the ledger, a serving node's first, switches it to WAL before anything else.
    switchJournalMode("wal");
}
void SqliteLedgerStore::savepoint() { statements_->savepoint.reset().run(); }
void SqliteLedgerStore::releaseSavepoint() { statements_->release.reset().run(); }
void SqliteLedgerStore::rollbackToSavepoint() {
    statements_->rollback_to.reset().run();
    statements_->release.reset().run();
}

std::optional<StoredReply> SqliteLedgerStore::findReply(const std::string& operator_id,
                                                        const std::string& key) {
    auto& statement = statements_->find_reply.reset().bind(1, operator_id).bind(2, key);
    if (!statement.step()) return std::nullopt;
    StoredReply reply;
    const auto hash = statement.columnBlob(0);
    if (hash.size() != reply.request_hash.size()) throw LedgerStoreError("bad request hash");
    std::memcpy(reply.request_hash.data(), hash.data(), hash.size());
    reply.http_status = static_cast<int>(statement.columnInt(1));
    reply.body = statement.columnText(2);
    statement.reset();
    return reply;
}

void SqliteLedgerStore::saveReply(const std::string& operator_id, const std::string& key,
                                  const StoredReply& reply, std::int64_t now_millis) {
    statements_->save_reply.reset()
        .bind(1, operator_id)
        .bind(2, key)
        .bindBlob(3, reply.request_hash.data(), reply.request_hash.size())
        .bind(4, std::int64_t{reply.http_status})
        .bind(5, std::string_view(reply.body))
        .bind(6, now_millis)
        .run();
}

std::size_t SqliteLedgerStore::purgeReplies(std::int64_t older_than_millis, std::size_t limit) {
    return static_cast<std::size_t>(statements_->purge_replies.reset()
                                        .bind(1, older_than_millis)
                                        .bind(2, static_cast<std::int64_t>(limit))
                                        .run());
}

ClaimRecord SqliteLedgerStore::readClaim(const SqliteStatement& statement) const {
    ClaimRecord claim;
    claim.claim_id = statement.columnText(0);
    claim.claim_code = statement.columnText(1);
    claim.program = statement.columnText(2);
    claim.citizen_key = keyFromBlob(statement.columnBlob(3));
    claim.citizen_mask = statement.columnText(4);
    const auto channel = protocols::parseChannel(statement.columnText(5));
    const auto status = protocols::parseClaimStatus(statement.columnText(9));
    if (!channel || !status) throw LedgerStoreError("claim row with unknown channel/status");
    claim.channel = *channel;
    claim.operator_id = statement.columnText(6);
    claim.terminal_id = statement.columnText(7);
    claim.amount = statement.columnInt(8);
    claim.status = *status;
    claim.held_at = statement.columnInt(10);
    claim.expires_at = statement.columnInt(11);
    claim.paid_at = statement.columnOptionalInt(12);
    claim.voided_at = statement.columnOptionalInt(13);
    claim.terminal_ref = statement.columnOptionalText(14);
    claim.reason = statement.columnOptionalText(15);
    claim.dispensed_at = statement.columnOptionalInt(16);
    return claim;
}

std::optional<ClaimRecord> SqliteLedgerStore::findOneClaim(SqliteStatement& statement) {
    if (!statement.step()) return std::nullopt;
    ClaimRecord claim = readClaim(statement);
    statement.reset();
    return claim;
}

std::optional<ClaimRecord> SqliteLedgerStore::findBlockingClaim(const std::string& program,
                                                                const CitizenKey& citizen_key) {
    return findOneClaim(statements_->find_blocking.reset()
                            .bind(1, program)
                            .bindBlob(2, citizen_key.data(), citizen_key.size()));
}

std::optional<ClaimRecord> SqliteLedgerStore::findClaim(const std::string& claim_id) {
    return findOneClaim(statements_->find_claim.reset().bind(1, claim_id));
}

std::optional<ClaimRecord> SqliteLedgerStore::findClaimByCode(const std::string& operator_id,
                                                              const std::string& claim_code) {
    return findOneClaim(statements_->find_by_code.reset().bind(1, operator_id).bind(2, claim_code));
}

bool SqliteLedgerStore::claimCodeExists(const std::string& operator_id,
                                        const std::string& claim_code) {
    auto& statement = statements_->code_exists.reset().bind(1, operator_id).bind(2, claim_code);
    const bool exists = statement.step();
    statement.reset();
    return exists;
}

bool SqliteLedgerStore::insertClaim(const ClaimRecord& claim) {
    assertVoidedAtMatchesStatus(claim);
    auto& statement = statements_->insert_claim.reset();
    statement.bind(1, claim.claim_id)
        .bind(2, claim.claim_code)
        .bind(3, claim.program)
        .bindBlob(4, claim.citizen_key.data(), claim.citizen_key.size())
        .bind(5, claim.citizen_mask)
        .bind(6, protocols::channelName(claim.channel))
        .bind(7, claim.operator_id)
        .bind(8, claim.terminal_id)
        .bind(9, claim.amount)
        .bind(10, protocols::claimStatusName(claim.status))
        .bind(11, claim.held_at)
        .bind(12, claim.expires_at)
        .bindOptional(13, claim.paid_at)
        .bindOptional(14, claim.voided_at)
        .bindOptional(15, claim.terminal_ref)
        .bindOptional(16, claim.reason)
        .bindOptional(17, claim.dispensed_at);
    return statement.runUnlessConstraint();
}

void SqliteLedgerStore::updateClaim(const ClaimRecord& claim) {
    assertVoidedAtMatchesStatus(claim);
    const bool voided = claim.status == ClaimStatus::voided;
    // A commit or an expiry leaves voided_at alone, so its claim keeps its entry in
    // claims_one_blocking untouched; the table's CHECK refuses any other change of voided_at.
    auto& statement = voided ? statements_->update_voided : statements_->update_unvoided;
    statement.reset()
        .bind(1, protocols::claimStatusName(claim.status))
        .bindOptional(2, claim.paid_at)
        .bindOptional(3, claim.terminal_ref)
        .bindOptional(4, claim.reason)
        .bind(5, claim.amount)
        .bind(6, claim.terminal_id)
        .bindOptional(7, claim.dispensed_at);
    if (voided) statement.bindOptional(8, claim.voided_at);
    const int changed = statement.bind(voided ? 9 : 8, claim.claim_id).run();
    if (changed != 1) throw LedgerStoreError("update of unknown claim " + claim.claim_id);
}

std::vector<ClaimRecord> SqliteLedgerStore::findExpiredHolds(std::int64_t now_millis,
                                                             std::size_t limit) {
    auto& statement = statements_->expired_holds.reset()
                          .bind(1, now_millis)
                          .bind(2, static_cast<std::int64_t>(limit));
    std::vector<ClaimRecord> claims;
    while (statement.step()) claims.push_back(readClaim(statement));
    return claims;
}

std::int64_t SqliteLedgerStore::countClaims(protocols::ClaimStatus status) {
    auto& statement = statements_->count_claims.reset().bind(1, protocols::claimStatusName(status));
    statement.step();
    const auto count = statement.columnInt(0);
    statement.reset();
    return count;
}

std::vector<ClaimTotal> SqliteLedgerStore::claimTotals() {
    std::vector<ClaimTotal> totals;
    SqliteStatement statement(db_,
                              "SELECT program, channel, status, count(*), sum(amount) "
                              "FROM claims GROUP BY program, channel, status");
    while (statement.step()) {
        const auto channel = protocols::parseChannel(statement.columnText(1));
        const auto status = protocols::parseClaimStatus(statement.columnText(2));
        if (!channel || !status) {
            throw LedgerStoreError("claims row with an unknown channel or status");
        }
        totals.push_back({statement.columnText(0), *channel, *status, statement.columnInt(3),
                          statement.columnInt(4)});
    }
    return totals;
}

void SqliteLedgerStore::forEachClaim(const std::function<bool(const ClaimRecord&)>& visit) {
    SqliteStatement statement(db_, selectClaims("ORDER BY claim_id"));
    while (statement.step()) {
        if (!visit(readClaim(statement))) break;
    }
}

std::optional<ClaimEvent> SqliteLedgerStore::lastEvent() {
    auto& statement = statements_->last_event.reset();
    if (!statement.step()) return std::nullopt;
    ClaimEvent event;
    event.seq = statement.columnInt(0);
    event.claim_id = statement.columnText(1);
    event.body = statement.columnText(2);
    event.hash = keyFromBlob(statement.columnBlob(3));
    statement.reset();
    return event;
}

void SqliteLedgerStore::appendEvent(const ClaimEvent& event) {
    statements_->append_event.reset()
        .bind(1, event.seq)
        .bind(2, event.claim_id)
        .bind(3, event.body)
        .bindBlob(4, event.hash.data(), event.hash.size())
        .run();
}

void SqliteLedgerStore::forEachEvent(const std::function<bool(const ClaimEvent&)>& visit) {
    SqliteStatement statement(db_,
                              "SELECT seq, claim_id, body, hash FROM claim_events "
                              "ORDER BY seq");
    while (statement.step()) {
        ClaimEvent event;
        event.seq = statement.columnInt(0);
        event.claim_id = statement.columnText(1);
        event.body = statement.columnText(2);
        const auto hash = statement.columnBlob(3);
        if (hash.size() == event.hash.size()) {
            std::memcpy(event.hash.data(), hash.data(), hash.size());
        }
        if (!visit(event)) break;
    }
}

void SqliteLedgerStore::forEachEventAfter(std::int64_t after_seq, std::size_t limit,
                                          const std::function<bool(const ClaimEvent&)>& visit) {
    SqliteStatement statement(db_,
                              "SELECT seq, claim_id, body, hash FROM claim_events "
                              "WHERE seq > ? ORDER BY seq LIMIT ?");
    statement.bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
    while (statement.step()) {
        ClaimEvent event;
        event.seq = statement.columnInt(0);
        event.claim_id = statement.columnText(1);
        event.body = statement.columnText(2);
        event.hash = keyFromBlob(statement.columnBlob(3));
        if (!visit(event)) break;
    }
}

void SqliteLedgerStore::putProgram(const protocols::Program& program) {
    SqliteStatement statement(db_,
                              "INSERT INTO programs (id, body) VALUES (?, ?) "
                              "ON CONFLICT (id) DO UPDATE SET body = excluded.body");
    statement.bind(1, program.id).bind(2, program.toJson().dump()).run();
}

std::vector<protocols::Program> SqliteLedgerStore::loadPrograms() {
    SqliteStatement statement(db_, "SELECT body FROM programs ORDER BY id");
    std::vector<protocols::Program> programs;
    while (statement.step()) {
        auto program = protocols::Program::fromJson(statement.columnText(0));
        if (!program)
            throw LedgerStoreError("stored program is invalid: " + program.status().message());
        programs.push_back(std::move(program).value());
    }
    return programs;
}

void SqliteLedgerStore::upsertRosterRow(const RosterRow& row) {
    RosterRowSpan one_row({&row, 1});
    writeRosterRows(one_row);  // the serving page cache stays as it is for one row
}

void SqliteLedgerStore::loadRosterRows(RosterRowSource& rows) {
    setPageCacheKiB(kBulkLoadPageCacheKiB);
    try {
        writeRosterRows(rows);
    } catch (...) {
        setPageCacheKiB(kPageCacheKiB);
        throw;
    }
    setPageCacheKiB(kPageCacheKiB);
}

void SqliteLedgerStore::writeRosterRows(RosterRowSource& rows) {
    // One statement over rows sorted by key (SqliteRosterFeed says why): the B-tree is written
    // in one ordered sweep inside the caller's transaction.
    roster_feed_->setSource(&rows);
    try {
        statements_->load_roster.reset().run();
    } catch (...) {
        statements_->load_roster.reset();
        roster_feed_->setSource(nullptr);
        throw;
    }
    statements_->load_roster.reset();  // the feed's rows are read in place until the reset
    roster_feed_->setSource(nullptr);
}

void SqliteLedgerStore::removeRosterRow(const std::string& program, const CitizenKey& citizen_key,
                                        std::int64_t version) {
    SqliteStatement statement(db_,
                              "UPDATE roster SET removed = 1, version = ? WHERE "
                              "program = ? AND citizen_key = ?");
    statement.bind(1, version).bind(2, program);
    statement.bindBlob(3, citizen_key.data(), citizen_key.size()).run();
}

std::int64_t SqliteLedgerStore::countRosterRows(const std::string& program) {
    SqliteStatement statement(db_,
                              "SELECT count(*) FROM roster WHERE program = ? AND "
                              "removed = 0");
    statement.bind(1, program).step();
    return statement.columnInt(0);
}

RosterRow SqliteLedgerStore::readRosterRow(const SqliteStatement& statement) {
    RosterRow row;
    row.program = statement.columnText(0);
    row.citizen_key = keyFromBlob(statement.columnBlob(1));
    if (!statement.columnIsNull(2)) row.nhi_hash = keyFromBlob(statement.columnBlob(2));
    row.amount = statement.columnInt(3);
    const auto proxies = statement.columnBlob(4);
    for (std::size_t at = 0; at + 32 <= proxies.size(); at += 32) {
        row.proxies.push_back(keyFromBlob(proxies.substr(at, 32)));
    }
    row.claim_by = static_cast<protocols::ClaimBy>(statement.columnInt(5));
    row.excluded = statement.columnOptionalText(6);
    row.version = statement.columnInt(7);
    row.removed = statement.columnInt(8) != 0;
    return row;
}

void SqliteLedgerStore::forEachRosterRow(const std::string& program,
                                         const std::function<void(const RosterRow&)>& visit) {
    SqliteStatement statement(db_, std::string("SELECT ") + kRosterColumns +
                                       " FROM roster WHERE program = ? AND removed = 0");
    statement.bind(1, program);
    while (statement.step()) visit(readRosterRow(statement));
}

void SqliteLedgerStore::forEachBlockingClaim(
    const std::function<void(const std::string&, const CitizenKey&, protocols::ClaimStatus,
                             protocols::Channel, std::int64_t)>& visit) {
    SqliteStatement statement(db_,
                              "SELECT program, citizen_key, status, channel, "
                              "coalesce(paid_at, held_at) FROM claims WHERE status IN "
                              "('held', 'in_doubt', 'paid')");
    while (statement.step()) {
        const auto status = protocols::parseClaimStatus(statement.columnText(2));
        const auto channel = protocols::parseChannel(statement.columnText(3));
        if (!status || !channel) throw LedgerStoreError("claim row with unknown status");
        visit(statement.columnText(0), keyFromBlob(statement.columnBlob(1)), *status, *channel,
              statement.columnInt(4));
    }
}

std::optional<std::string> SqliteLedgerStore::getMeta(const std::string& key) {
    auto& statement = statements_->get_meta.reset().bind(1, key);
    if (!statement.step()) return std::nullopt;
    auto value = statement.columnText(0);
    statement.reset();
    return value;
}

void SqliteLedgerStore::putMeta(const std::string& key, const std::string& value) {
    statements_->put_meta.reset().bind(1, key).bind(2, value).run();
}

}  // namespace claimgate::gateway
