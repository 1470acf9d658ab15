// SqliteLedgerStore: roster versions (live roster changes, contracts §6). Kept apart from the
// claim primitives in sqlite_ledger_store.cpp because they change for different reasons.
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include "sqlite_statement.hpp"

namespace claimgate::gateway {

void SqliteLedgerStore::beginRoster() { begin(); }  // SQLite has one writer anyway

void SqliteLedgerStore::beginBulkRoster() {
    // When the ledger is ours alone (no node or other command has it open: the national import
    // before a campaign opens), the import runs under a rollback journal: the new pages of a
    // bulk load are written once, straight into the file, where in WAL mode each is written to
    // the WAL and then copied again by the checkpoint (docs/performance.md, roster import).
    // With a node running it stays in WAL mode, so the node keeps reading while the import
    // writes. commit() and rollback() switch back to WAL. Not for page-sized transactions
    // (beginRoster): leaving and re-entering WAL mode costs more than they would save.
    enterRollbackJournal();
    begin();
}

std::int64_t SqliteLedgerStore::newRosterVersion(const std::string& program,
                                                 const std::string& source,
                                                 std::int64_t now_millis) {
    // Inside BEGIN IMMEDIATE: no other writer can take the same number or commit before us.
    SqliteStatement next(db_, "SELECT coalesce(max(version), 0) + 1 FROM roster_versions");
    next.step();
    const std::int64_t version = next.columnInt(0);
    SqliteStatement insert(db_,
                           "INSERT INTO roster_versions (version, program, source, "
                           "created_at) VALUES (?, ?, ?, ?)");
    insert.bind(1, version).bind(2, program).bind(3, source).bind(4, now_millis).run();
    return version;
}

std::int64_t SqliteLedgerStore::latestRosterVersion() {
    SqliteStatement statement(db_, "SELECT coalesce(max(version), 0) FROM roster_versions");
    statement.step();
    return statement.columnInt(0);
}

std::map<std::string, std::int64_t> SqliteLedgerStore::rosterVersions(std::int64_t up_to) {
    SqliteStatement statement(db_,
                              "SELECT program, max(version) FROM roster_versions "
                              "WHERE version <= ? GROUP BY program");
    statement.bind(1, up_to);
    std::map<std::string, std::int64_t> versions;
    while (statement.step()) versions[statement.columnText(0)] = statement.columnInt(1);
    return versions;
}

void SqliteLedgerStore::forEachRosterChange(std::int64_t after, std::int64_t up_to,
                                            const std::function<bool(const RosterRow&)>& visit) {
    SqliteStatement statement(db_, std::string("SELECT ") + kRosterColumns +
                                       " FROM roster WHERE version > ? AND version <= ? "
                                       "ORDER BY version");
    statement.bind(1, after).bind(2, up_to);
    while (statement.step()) {
        if (!visit(readRosterRow(statement))) break;
    }
}

std::int64_t SqliteLedgerStore::countRosterChanges(std::int64_t after, std::int64_t up_to) {
    SqliteStatement statement(db_,
                              "SELECT count(*) FROM roster WHERE version > ? AND "
                              "version <= ?");
    statement.bind(1, after).bind(2, up_to).step();
    return statement.columnInt(0);
}

std::int64_t SqliteLedgerStore::removeRosterRowsNotIn(const std::string& program,
                                                      std::int64_t version) {
    SqliteStatement statement(db_,
                              "UPDATE roster SET removed = 1, version = ? WHERE program = ? "
                              "AND version <> ? AND removed = 0");
    statement.bind(1, version).bind(2, program).bind(3, version);
    return statement.run();
}

bool SqliteLedgerStore::waitForRosterNews(std::chrono::milliseconds) {
    return false;  // no notifications: the follower polls
}

}  // namespace claimgate::gateway
