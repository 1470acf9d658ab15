#include "sqlite_roster_feed.hpp"

#include <cstddef>
#include <new>
#include <string>

namespace claimgate::gateway {
namespace {

struct FeedTable : sqlite3_vtab {
    SqliteRosterFeed* feed = nullptr;
};

struct FeedCursor : sqlite3_vtab_cursor {
    const RosterRow* row = nullptr;  // nullptr: past the last row
    sqlite3_int64 rowid = 0;
};

SqliteRosterFeed& feedOf(sqlite3_vtab_cursor* cursor) {
    return *static_cast<FeedTable*>(cursor->pVtab)->feed;
}

int connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** table, char**) {
    const int code = sqlite3_declare_vtab(
        db,
        "CREATE TABLE x(program TEXT, citizen_key BLOB, nhi_hash BLOB, amount INTEGER, "
        "proxies BLOB, claim_by INTEGER, excluded TEXT, version INTEGER, removed INTEGER)");
    if (code != SQLITE_OK) return code;
    auto* feed_table = new (std::nothrow) FeedTable();
    if (feed_table == nullptr) return SQLITE_NOMEM;
    feed_table->feed = static_cast<SqliteRosterFeed*>(aux);
    *table = feed_table;
    return SQLITE_OK;
}

int disconnect(sqlite3_vtab* table) {
    delete static_cast<FeedTable*>(table);
    return SQLITE_OK;
}

int bestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
    // One plan: a full scan, in the order the importer sorted the rows.
    constexpr sqlite3_int64 kTypicalRows = 1'000'000;
    info->estimatedCost = static_cast<double>(kTypicalRows);
    info->estimatedRows = kTypicalRows;
    return SQLITE_OK;
}

int open(sqlite3_vtab*, sqlite3_vtab_cursor** cursor) {
    auto* feed_cursor = new (std::nothrow) FeedCursor();
    if (feed_cursor == nullptr) return SQLITE_NOMEM;
    *cursor = feed_cursor;
    return SQLITE_OK;
}

int close(sqlite3_vtab_cursor* cursor) {
    delete static_cast<FeedCursor*>(cursor);
    return SQLITE_OK;
}

int filter(sqlite3_vtab_cursor* cursor, int, const char*, int, sqlite3_value**) {
    auto* feed_cursor = static_cast<FeedCursor*>(cursor);
    SqliteRosterFeed& feed = feedOf(cursor);
    feed_cursor->rowid = 0;
    feed_cursor->row = nullptr;
    if (feed.source() == nullptr) return SQLITE_OK;
    if (!feed.startScan()) {
        cursor->pVtab->zErrMsg = sqlite3_mprintf("cg_roster_feed: the rows were already read");
        return SQLITE_MISUSE;
    }
    feed_cursor->row = feed.source()->next();
    return SQLITE_OK;
}

int next(sqlite3_vtab_cursor* cursor) {
    auto* feed_cursor = static_cast<FeedCursor*>(cursor);
    feed_cursor->row = feedOf(cursor).source()->next();
    ++feed_cursor->rowid;
    return SQLITE_OK;
}

int eof(sqlite3_vtab_cursor* cursor) {
    return static_cast<FeedCursor*>(cursor)->row == nullptr ? 1 : 0;
}

// SQLITE_STATIC: the values are read in place, not copied. That holds because the statement
// builds a row's record (and its upsert's `excluded` values) before it asks for the next row,
// and a source's row stays valid until then.
void resultText(sqlite3_context* context, const std::string& text) {
    sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void resultBlob(sqlite3_context* context, const void* data, std::size_t size) {
    sqlite3_result_blob(context, data, static_cast<int>(size), SQLITE_STATIC);
}

int column(sqlite3_vtab_cursor* cursor, sqlite3_context* context, int index) {
    const RosterRow& row = *static_cast<FeedCursor*>(cursor)->row;
    switch (index) {
        case SqliteRosterFeed::kProgram:
            resultText(context, row.program);
            break;
        case SqliteRosterFeed::kCitizenKey:
            resultBlob(context, row.citizen_key.data(), row.citizen_key.size());
            break;
        case SqliteRosterFeed::kNhiHash:
            if (row.nhi_hash) {
                resultBlob(context, row.nhi_hash->data(), row.nhi_hash->size());
            } else {
                sqlite3_result_null(context);
            }
            break;
        case SqliteRosterFeed::kAmount:
            sqlite3_result_int64(context, row.amount);
            break;
        case SqliteRosterFeed::kProxies:
            // CitizenKey is a byte array, so the vector's keys are one contiguous blob: the
            // column's stored form (32 bytes per proxy).
            static_assert(sizeof(CitizenKey) == 32);
            if (row.proxies.empty()) {
                sqlite3_result_null(context);
            } else {
                resultBlob(context, row.proxies.data(), row.proxies.size() * sizeof(CitizenKey));
            }
            break;
        case SqliteRosterFeed::kClaimBy:
            sqlite3_result_int64(context, static_cast<sqlite3_int64>(row.claim_by));
            break;
        case SqliteRosterFeed::kExcluded:
            if (row.excluded) {
                resultText(context, *row.excluded);
            } else {
                sqlite3_result_null(context);
            }
            break;
        case SqliteRosterFeed::kVersion:
            sqlite3_result_int64(context, row.version);
            break;
        case SqliteRosterFeed::kRemoved:
            sqlite3_result_int64(context, row.removed ? 1 : 0);
            break;
        default:
            return SQLITE_RANGE;
    }
    return SQLITE_OK;
}

int rowid(sqlite3_vtab_cursor* cursor, sqlite3_int64* id) {
    *id = static_cast<FeedCursor*>(cursor)->rowid;
    return SQLITE_OK;
}

sqlite3_module makeModule() {
    sqlite3_module module{};
    // xCreate stays null: an eponymous-only table, read as `FROM cg_roster_feed`, never created.
    module.xConnect = connect;
    module.xBestIndex = bestIndex;
    module.xDisconnect = disconnect;
    module.xDestroy = disconnect;
    module.xOpen = open;
    module.xClose = close;
    module.xFilter = filter;
    module.xNext = next;
    module.xEof = eof;
    module.xColumn = column;
    module.xRowid = rowid;
    return module;
}

}  // namespace

SqliteRosterFeed::SqliteRosterFeed(sqlite3* db) {
    static const sqlite3_module kModule = makeModule();
    if (sqlite3_create_module_v2(db, "cg_roster_feed", &kModule, this, nullptr) != SQLITE_OK) {
        throw LedgerStoreError(std::string("sqlite: cannot register cg_roster_feed: ") +
                               sqlite3_errmsg(db));
    }
}

}  // namespace claimgate::gateway
