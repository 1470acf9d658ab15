// File: sqlite_roster_feed.hpp
// The rows of a bulk roster load as a table SQLite can read: an eponymous virtual table
// (`cg_roster_feed`) over the RosterRowSource the importer hands loadRosterRows.
//
// Why: with one `INSERT ... VALUES (?, ...)` per row, every row starts a statement, opens a
// cursor on each B-tree and seeks from the root, and the writer ran at half the engine's own
// speed for the same rows (docs/performance.md, roster import). `INSERT INTO roster SELECT ...
// FROM cg_roster_feed` is one statement: its cursors stay open on the pages the previous row
// was written to, as when the sqlite3 shell copies one table into another.
#pragma once

#include <claimgate/ledger/roster_row_source.hpp>

#include <sqlite3.h>

#include <utility>

namespace claimgate::gateway {

class SqliteRosterFeed {
public:
    /// Registers the module on `db`; the feed must outlive every statement that reads it.
    explicit SqliteRosterFeed(sqlite3* db);
    SqliteRosterFeed(const SqliteRosterFeed&) = delete;
    SqliteRosterFeed& operator=(const SqliteRosterFeed&) = delete;

    /// Where the next scan of cg_roster_feed reads its rows, in their order (nullptr: an empty
    /// table). A scan reads the source once, to its end; a second scan of the same source
    /// fails rather than load nothing.
    void setSource(RosterRowSource* source) {
        source_ = source;
        scanned_ = false;
    }
    [[nodiscard]] RosterRowSource* source() const { return source_; }
    /// Marks the source as read; false if it already was.
    bool startScan() { return !std::exchange(scanned_, true); }

    /// Columns of cg_roster_feed, in the roster table's order.
    enum Column : int {
        kProgram,
        kCitizenKey,
        kNhiHash,
        kAmount,
        kProxies,
        kClaimBy,
        kExcluded,
        kVersion,
        kRemoved,
    };

private:
    RosterRowSource* source_ = nullptr;
    bool scanned_ = false;
};

}  // namespace claimgate::gateway
