// File: postgres_ledger_store.hpp
// The shared ledger backend for several gateway nodes (contracts §6, issue 5): PostgreSQL through
// libpq, the same LedgerStore contract as SQLite. Invariant 1 is the same partial unique index;
// the hash chain stays linear across nodes because a transaction reads the chain head only under
// one transaction-scoped advisory lock, so batches from different nodes serialise on the chain
// head (for a claim batch, only from its head to its COMMIT: lockChain()).
// Durability: synchronous_commit is forced on for the session, so COMMIT returns after the WAL
// is flushed.
//
// Batches: runBatch's common case runs in libpq pipeline mode (beginOptimisticBatch): BEGIN, the
// batch's citizen locks and every row it will read in one round trip, its writes sent without
// waiting and checked with the chain lock and head in a second, its events in a third, COMMIT
// in a fourth, whatever the batch size. A write the server refuses is found at
// that check; runBatch then re-runs the batch operation by operation.
//
// Connection loss: begin() resets the connection (bounded backoff); while the server is away it
// throws, the writer answers 503 + Retry-After, and nothing is half-written because the
// transaction never committed.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace claimgate::gateway {

class BatchReadCache;

class PostgresLedgerStore final : public LedgerStore {
public:
    /// `uri` is a libpq connection string or postgresql:// URI. Throws LedgerStoreError.
    explicit PostgresLedgerStore(std::string uri);
    ~PostgresLedgerStore() override;

    void begin() override;
    void beginOptimisticBatch(const BatchReadSet& reads) override;
    void beginIsolatedBatch(const BatchReadSet& reads) override;
    std::optional<ClaimEvent> lockChain() override;
    void finishOptimisticWrites() override;
    void commit() override;
    void rollback() override;
    void savepoint() override;
    void releaseSavepoint() override;
    void rollbackToSavepoint() override;

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

    /// Drops and recreates the schema: for tests only.
    void resetSchemaForTests();
    /// Times this store has waited for the server (one statement outside a pipeline, or one
    /// flush of a pipeline): what its work costs across a network. For tests and benchmarks.
    [[nodiscard]] std::uint64_t roundTrips() const { return round_trips_; }
    /// Statements executed with parameters so far (prepares not counted). For tests.
    [[nodiscard]] std::uint64_t statementsSent() const { return statements_sent_; }
    /// Claims that a pipelined batch read although its read set (BatchReadSet) did not name
    /// them. Such a read locks its row on the spot, outside the claim-id order every other lock
    /// of the batch follows, where two nodes' batches can deadlock. Every read ClaimEngine makes
    /// is in the read set, so this stays 0; a test holds it there. For tests.
    [[nodiscard]] std::uint64_t readsOutsideReadSet() const { return reads_outside_read_set_; }

private:
    class Query;
    /// A result the pipeline owes us, in the order the statements were sent.
    enum class Expect {
        command,  // a write that must succeed
        one_row,  // a write that must change exactly one row
        rows,     // a read: its result goes back to the caller
    };
    struct PendingResult {
        Expect expect = Expect::command;
        const char* what = "";
        std::string prepared_sql;  // a PQsendPrepare: the statement exists once this succeeds
    };

    /// Rows of a pipelined batch's consecutive inserts into one table (stored replies, or chain
    /// events), held back to go as one multi-row INSERT: PostgreSQL's fixed cost is per
    /// statement, and a batch ends with a run of each. Held only inside a pipeline.
    struct HeldInsert {
        const std::string* single_row_sql = nullptr;  // the statement each row came as
        std::vector<std::string> params;              // row after row
        std::vector<bool> binary;                     // one flag per parameter
        std::size_t rows = 0;
        const char* what = "";
    };

    void connect();
    void migrate();
    /// Begins a transaction with `first_round_trip` (BEGIN and what must come with it),
    /// reconnecting and trying once more if the connection turns out to be dead.
    void beginTransaction(const std::function<void()>& first_round_trip);
    /// beginOptimisticBatch's round trip: BEGIN, citizen locks and the batch's reads.
    void sendOptimisticBegin(const BatchReadSet& reads);
    void exec(const char* sql);
    Query run(const std::string& sql, const std::vector<std::string>& params,
              const std::vector<bool>& binary = {});
    /// The name of `sql` prepared on this connection (prepared on first use).
    const std::string& preparedStatement(const std::string& sql, int param_count);
    /// Sends `sql` (prepared on first use) with `params`: in a pipeline without waiting.
    void sendPrepared(const std::string& sql, const std::vector<std::string>& params,
                      const std::vector<bool>& binary);
    /// Sends the held rows as one INSERT, if any are held (before anything else is sent).
    void sendHeldInsert();
    /// A write: in a pipeline its result is checked later (collectPending); otherwise now.
    void write(const std::string& sql, const std::vector<std::string>& params,
               const std::vector<bool>& binary, Expect expect, const char* what);
    /// Asks the server for everything sent so far and reads it, in order: checks every write
    /// (throws LedgerStoreError on the first refusal) and returns the reads' results. With
    /// `then_sync` the request is a sync point, whose own result the caller reads.
    std::vector<Query> collectPending(bool then_sync = false);
    /// Ends the pipeline after checking every write; the batch then goes on statement by
    /// statement. Throws LedgerStoreError if a write was refused.
    void leavePipeline();
    /// Ends the pipeline after a failure, discarding what it owes; a connection that cannot be
    /// brought back in step is closed (the next begin() reconnects).
    void abandonPipeline();
    /// A claim read the batch cache could not answer: `locking_sql` inside a transaction (the
    /// status it sees stays true until commit), `plain_sql` outside one.
    std::optional<ClaimRecord> queryClaim(const std::string& plain_sql,
                                          const std::string& locking_sql,
                                          const std::vector<std::string>& params,
                                          const std::vector<bool>& binary = {});
    void streamRows(const char* sql, const std::vector<std::string>& params,
                    const std::function<bool(pg_result*, int)>& on_row);

    /// A row selected as kRosterColumns.
    static RosterRow readRosterRow(pg_result* result, int row);
    static constexpr const char* kRosterColumns =
        "program, citizen_key, nhi_hash, amount, proxies, claim_by, excluded, version, removed";

    std::string uri_;
    pg_conn* connection_ = nullptr;
    /// SQL text -> prepared statement name, for the current connection.
    std::unordered_map<std::string, std::string> prepared_;
    bool in_transaction_ = false;
    /// Statement names are never reused: a prepare lost in an abandoned pipeline is forgotten.
    std::uint64_t next_statement_ = 0;
    bool pipelined_ = false;
    std::deque<PendingResult> pending_;
    HeldInsert held_;
    int syncs_owed_ = 0;  // sync points sent whose PGRES_PIPELINE_SYNC is not read yet
    std::unique_ptr<BatchReadCache> cache_;
    std::uint64_t round_trips_ = 0;
    std::uint64_t statements_sent_ = 0;
    std::uint64_t reads_outside_read_set_ = 0;
    bool listening_ = false;  // LISTEN issued on this connection (waitForRosterNews)
};

}  // namespace claimgate::gateway
