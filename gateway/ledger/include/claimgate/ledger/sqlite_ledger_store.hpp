// File: sqlite_ledger_store.hpp
// The embedded ledger backend: one SQLite file in WAL mode with synchronous=FULL, so a commit
// is on disk before the writer acknowledges anything (contracts invariant 2).
#pragma once

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/ledger/limits.hpp>

#include <cstdint>
#include <memory>
#include <string>

struct sqlite3;

namespace claimgate::gateway {

class SqliteStatement;        // private to the ledger library (src/sqlite_statement.hpp)
class SqliteWalCheckpointer;  // private to the ledger library (src/sqlite_wal_checkpointer.hpp)
class SqliteRosterFeed;       // private to the ledger library (src/sqlite_roster_feed.hpp)

class SqliteLedgerStore final : public LedgerStore {
public:
    /// Opens (creating and migrating if needed) the ledger at `path`. Throws LedgerStoreError.
    explicit SqliteLedgerStore(const std::string& path);
    ~SqliteLedgerStore() override;

    void begin() override;
    void commit() override;
    void rollback() override;
    void savepoint() override;
    void releaseSavepoint() override;
    void rollbackToSavepoint() override;
    void startBackgroundCheckpoints() override;

    /// Checkpoints the background thread ran, and the ones the writer had to run itself (with
    /// the background thread running: only when the WAL passed kWalWriterCheckpointFrames).
    [[nodiscard]] std::uint64_t backgroundCheckpoints() const;
    /// Background passes after which the database file's write-back was started (see
    /// sqlite_wal_checkpointer.hpp).
    [[nodiscard]] std::uint64_t backgroundWritebacks() const;
    [[nodiscard]] std::uint64_t writerCheckpoints() const { return writer_checkpoints_; }
    /// The WAL length past which the writer checkpoints itself (the valve; default
    /// kWalWriterCheckpointFrames, 128 MiB). Tests lower it so that a short run reaches it.
    void setWriterCheckpointFrames(int frames);
    /// Roster transactions that ran under a rollback journal, the ledger being ours alone
    /// (beginBulkRoster).
    [[nodiscard]] std::uint64_t rollbackJournalRosters() const { return rollback_journal_rosters_; }

    std::optional<StoredReply> findReply(const std::string& operator_id,
                                         const std::string& key) override;
    void saveReply(const std::string& operator_id, const std::string& key, const StoredReply& reply,
                   std::int64_t now_millis) override;
    std::size_t purgeReplies(std::int64_t older_than_millis, std::size_t limit) override;

    std::optional<ClaimRecord> findBlockingClaim(const std::string& program,
                                                 const CitizenKey& citizen_key) override;
    std::optional<ClaimRecord> findClaim(const std::string& claim_id) override;
    std::optional<ClaimRecord> findClaimByCode(const std::string& operator_id,
                                               const std::string& claim_code) override;
    bool claimCodeExists(const std::string& operator_id, const std::string& claim_code) override;
    bool insertClaim(const ClaimRecord& claim) override;
    void updateClaim(const ClaimRecord& claim) override;
    std::vector<ClaimRecord> findExpiredHolds(std::int64_t now_millis, std::size_t limit) override;
    std::int64_t countClaims(protocols::ClaimStatus status) override;
    void forEachClaim(const std::function<bool(const ClaimRecord&)>& visit) override;
    std::vector<ClaimTotal> claimTotals() override;

    std::optional<ClaimEvent> lastEvent() override;
    void appendEvent(const ClaimEvent& event) override;
    void forEachEvent(const std::function<bool(const ClaimEvent&)>& visit) override;
    void forEachEventAfter(std::int64_t after_seq, std::size_t limit,
                           const std::function<bool(const ClaimEvent&)>& visit) override;

    void putProgram(const protocols::Program& program) override;
    std::vector<protocols::Program> loadPrograms() override;
    void upsertRosterRow(const RosterRow& row) override;
    void removeRosterRow(const std::string& program, const CitizenKey& citizen_key,
                         std::int64_t version) override;
    std::int64_t countRosterRows(const std::string& program) override;
    void forEachRosterRow(const std::string& program,
                          const std::function<void(const RosterRow&)>& visit) override;
    void forEachBlockingClaim(
        const std::function<void(const std::string&, const CitizenKey&, protocols::ClaimStatus,
                                 protocols::Channel, std::int64_t)>& visit) override;

    void beginRoster() override;
    void beginBulkRoster() override;
    std::int64_t newRosterVersion(const std::string& program, const std::string& source,
                                  std::int64_t now_millis) override;
    std::int64_t latestRosterVersion() override;
    std::map<std::string, std::int64_t> rosterVersions(std::int64_t up_to) override;
    void forEachRosterChange(std::int64_t after, std::int64_t up_to,
                             const std::function<bool(const RosterRow&)>& visit) override;
    std::int64_t countRosterChanges(std::int64_t after, std::int64_t up_to) override;
    void loadRosterRows(RosterRowSource& rows) override;
    std::int64_t removeRosterRowsNotIn(const std::string& program, std::int64_t version) override;
    bool waitForRosterNews(std::chrono::milliseconds timeout) override;

    std::optional<std::string> getMeta(const std::string& key) override;
    void putMeta(const std::string& key, const std::string& value) override;

private:
    /// Page cache of a connection (allocated on demand): a national roster's and the claims'
    /// B-trees stay hot for the random reads of serving and recon.
    static constexpr int kPageCacheKiB = 512 * 1024;
    /// Page cache during loadRosterRows. A bulk load writes each page once, in key order: a
    /// large cache would only allocate and fault in a fresh buffer for every new page (and
    /// write them all at commit); a small one recycles its buffers, spilling finished pages to
    /// the WAL as it goes (docs/performance.md, roster import).
    static constexpr int kBulkLoadPageCacheKiB = 8 * 1024;
    /// How long a statement waits for another connection's lock before SQLITE_BUSY.
    static constexpr int kBusyTimeoutMillis = 10'000;

    void exec(const char* sql);
    void setPageCacheKiB(int kib);
    /// PRAGMA journal_mode; false when SQLite kept the old mode (another connection is open).
    bool switchJournalMode(const char* mode);
    /// beginBulkRoster: a rollback journal when this is the only connection (see there).
    void enterRollbackJournal();
    void leaveRollbackJournal();
    /// loadRosterRows and upsertRosterRow: one INSERT ... SELECT over cg_roster_feed.
    void writeRosterRows(RosterRowSource& rows);
    void migrate();
    ClaimRecord readClaim(const SqliteStatement& statement) const;
    /// A row selected as kRosterColumns.
    static RosterRow readRosterRow(const SqliteStatement& statement);
    static constexpr const char* kRosterColumns =
        "program, citizen_key, nhi_hash, amount, proxies, claim_by, excluded, version, removed";
    std::optional<ClaimRecord> findOneClaim(SqliteStatement& statement);

    /// sqlite3_wal_hook: after each commit, with the WAL's length in frames.
    static int onWalCommit(void* self, sqlite3* db, const char* database, int frames);

    sqlite3* db_ = nullptr;
    std::unique_ptr<SqliteWalCheckpointer> checkpointer_;
    std::uint64_t writer_checkpoints_ = 0;
    int writer_checkpoint_frames_ = kWalWriterCheckpointFrames;
    /// True inside a roster transaction that runs under a rollback journal (beginBulkRoster).
    bool rollback_journal_ = false;
    std::uint64_t rollback_journal_rosters_ = 0;
    /// Declared before statements_: the roster load statement reads it until it is finalized.
    std::unique_ptr<SqliteRosterFeed> roster_feed_;
    struct Statements;
    std::unique_ptr<Statements> statements_;
};

}  // namespace claimgate::gateway
