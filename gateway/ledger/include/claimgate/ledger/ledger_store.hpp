// File: ledger_store.hpp
// The storage seam of the claim ledger (contracts §6). A backend (SQLite now, PostgreSQL next)
// implements these primitives; the business rules live once, in ClaimEngine, on top of them.
//
// Threading: a LedgerStore object is used by exactly one thread at a time (the group-commit
// writer, or a CLI command). Concurrency across gateway nodes is the database's job: the
// partial unique index on (program, citizen_key) for blocking states enforces invariant 1.
//
// Errors: primitives throw LedgerStoreError on database failures; the writer turns that into a
// rolled-back savepoint or transaction and a 503 for the affected requests. Nothing else throws.
#pragma once

#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/protocols/program.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace claimgate::gateway {

class RosterRowSource;  // roster_row_source.hpp

class LedgerStoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One roster entry as stored (keys are HMACs; proxies are HMAC keys of the proxies' IDs).
struct RosterRow {
    std::string program;
    CitizenKey citizen_key{};
    std::optional<CitizenKey> nhi_hash;
    std::int64_t amount = 0;  // 0 = the program's amount
    std::vector<CitizenKey> proxies;
    protocols::ClaimBy claim_by = protocols::ClaimBy::self;
    std::optional<std::string> excluded;  // reason, e.g. paid_by_direct_deposit
    std::int64_t version = 0;  // roster version that last wrote the row (0: before versions)
    bool removed = false;      // off the roster; kept so that nodes follow the removal
};

/// One link of the claim_events hash chain.
struct ClaimEvent {
    std::int64_t seq = 0;
    std::string claim_id;
    std::string body;  // canonical JSON of the event
    protocols::Sha256Digest hash{};
};

/// Claims and their money for one (program, channel, status): the cluster-wide figures of
/// /metrics, read from the database because every node's own counters see only its traffic.
struct ClaimTotal {
    std::string program;
    protocols::Channel channel = protocols::Channel::atm;
    protocols::ClaimStatus status = protocols::ClaimStatus::none;
    std::int64_t claims = 0;
    std::int64_t amount = 0;
};

/// What one batch of operations will read, gathered before it runs (batch_runner.cpp), so that a
/// backend across a network can fetch it all in one round trip instead of one per statement.
struct BatchReadSet {
    std::vector<std::pair<std::string, std::string>> replies;  // (operator, Idempotency-Key)
    std::vector<std::pair<std::string, CitizenKey>> blocking;  // (program, citizen key)
    std::vector<std::string> claim_ids;
    std::vector<std::pair<std::string, std::string>> claim_codes;  // (operator, claim code)
};

class LedgerStore {
public:
    virtual ~LedgerStore() = default;

    // Transactions. begin/commit are the group-commit boundary; commit returns only once the
    // transaction is durable (fsync), which is what makes a later reply an acknowledgement.
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    /// Begins runBatch's common case, a batch without savepoints. A backend may then defer
    /// the results of its writes to finishOptimisticWrites() and answer the reads named in
    /// `reads` from rows it fetched up front (PostgreSQL: pipeline mode, O(1) round trips per
    /// batch). While writes are deferred insertClaim() answers from those rows: a write the
    /// database refuses anyway surfaces as LedgerStoreError from a later call, the batch is
    /// rolled back, and runBatch re-runs it plainly. Default: begin(), nothing deferred.
    virtual void beginOptimisticBatch(const BatchReadSet& reads) {
        static_cast<void>(reads);
        begin();
    }
    /// Begins runBatch's fallback after a refusal: the same batch, operation by operation in
    /// savepoints, exact answers. `reads` names what it will touch, so that a backend shared by
    /// several nodes can lock those citizens first (PostgreSQL). Default: begin().
    virtual void beginIsolatedBatch(const BatchReadSet& reads) {
        static_cast<void>(reads);
        begin();
    }
    /// The chain head, read so that no other writer extends the chain until this transaction
    /// ends: the batch then appends its events after it (ClaimEngine::appendBatchEvents). A
    /// backend shared by several nodes takes its chain lock here, late in the batch, and not
    /// at begin (PostgreSQL); one with a single writer just reads the head. Default:
    /// lastEvent().
    virtual std::optional<ClaimEvent> lockChain() { return lastEvent(); }
    /// Waits for every deferred write of the batch; throws LedgerStoreError if the database
    /// refused one (the transaction is then aborted: nothing of it can commit).
    virtual void finishOptimisticWrites() {}
    // Savepoints isolate one operation inside a batch, so one failure undoes only itself.
    /// Moves the backend's own housekeeping off the writer's thread, where it has any: for
    /// SQLite, WAL checkpoints run on their own thread and connection from then on, so a batch
    /// never waits for one (the serving node calls this; one-shot commands keep the inline
    /// checkpoints). PostgreSQL's server does its own.
    virtual void startBackgroundCheckpoints() {}
    virtual void savepoint() = 0;
    virtual void releaseSavepoint() = 0;
    virtual void rollbackToSavepoint() = 0;

    // Idempotency (scoped by operator).
    virtual std::optional<StoredReply> findReply(const std::string& operator_id,
                                                 const std::string& key) = 0;
    virtual void saveReply(const std::string& operator_id, const std::string& key,
                           const StoredReply& reply, std::int64_t now_millis) = 0;
    virtual std::size_t purgeReplies(std::int64_t older_than_millis, std::size_t limit) = 0;

    // Claims.
    virtual std::optional<ClaimRecord> findBlockingClaim(const std::string& program,
                                                         const CitizenKey& citizen_key) = 0;
    virtual std::optional<ClaimRecord> findClaim(const std::string& claim_id) = 0;
    virtual std::optional<ClaimRecord> findClaimByCode(const std::string& operator_id,
                                                       const std::string& claim_code) = 0;
    virtual bool claimCodeExists(const std::string& operator_id, const std::string& claim_code) = 0;
    /// Returns false (and changes nothing) if a unique index refuses the claim: the citizen
    /// has a blocking claim in its program (invariant 1), or the operator's claim code or the
    /// claim id is taken. ClaimEngine inserts first and reads only after a refusal.
    virtual bool insertClaim(const ClaimRecord& claim) = 0;
    virtual void updateClaim(const ClaimRecord& claim) = 0;
    virtual std::vector<ClaimRecord> findExpiredHolds(std::int64_t now_millis,
                                                      std::size_t limit) = 0;
    virtual std::int64_t countClaims(protocols::ClaimStatus status) = 0;
    /// Visits every claim in claim_id order (export); `visit` returns false to stop.
    virtual void forEachClaim(const std::function<bool(const ClaimRecord&)>& visit) = 0;
    /// Count and sum of amounts per (program, channel, status). The backends answer with one
    /// GROUP BY; this fallback (test doubles) walks every claim.
    virtual std::vector<ClaimTotal> claimTotals() {
        std::vector<ClaimTotal> totals;
        forEachClaim([&totals](const ClaimRecord& claim) {
            for (auto& total : totals) {
                if (total.program == claim.program && total.channel == claim.channel &&
                    total.status == claim.status) {
                    ++total.claims;
                    total.amount += claim.amount;
                    return true;
                }
            }
            totals.push_back({claim.program, claim.channel, claim.status, 1, claim.amount});
            return true;
        });
        return totals;
    }

    // Hash chain.
    virtual std::optional<ClaimEvent> lastEvent() = 0;
    virtual void appendEvent(const ClaimEvent& event) = 0;
    virtual void forEachEvent(const std::function<bool(const ClaimEvent&)>& visit) = 0;
    /// Events with seq > after_seq in order, at most `limit` (recon push reads by cursor).
    virtual void forEachEventAfter(std::int64_t after_seq, std::size_t limit,
                                   const std::function<bool(const ClaimEvent&)>& visit) = 0;

    // Programs and rosters.
    virtual void putProgram(const protocols::Program& program) = 0;
    virtual std::vector<protocols::Program> loadPrograms() = 0;
    virtual void upsertRosterRow(const RosterRow& row) = 0;
    /// Marks the citizen removed under `version` (the row stays: nodes follow removals).
    virtual void removeRosterRow(const std::string& program, const CitizenKey& citizen_key,
                                 std::int64_t version) = 0;
    /// Rows on the roster (removed ones not counted).
    virtual std::int64_t countRosterRows(const std::string& program) = 0;
    virtual void forEachRosterRow(const std::string& program,
                                  const std::function<void(const RosterRow&)>& visit) = 0;
    // Roster versions (live roster changes, contracts §6). Every change of the roster runs in
    // a transaction begun with beginRoster() under a version from newRosterVersion(); the rows
    // it writes carry that version, so every node can apply what it has not applied yet.
    /// Begins a roster transaction: serialised with other roster changes, so versions commit
    /// in order, but (PostgreSQL) not with claim batches, which a long import would stall.
    virtual void beginRoster() = 0;
    /// beginRoster for a transaction that will write many rows (`roster import`), where a
    /// backend may take a write path that pays off only for a bulk load (SQLite: a rollback
    /// journal when the ledger is the importer's alone). recon pull's page-sized transactions
    /// use beginRoster.
    virtual void beginBulkRoster() { beginRoster(); }
    /// The next version (above every committed one), recorded with its program and source
    /// ("import", "import --replace", "pull"); PostgreSQL notifies listening nodes at COMMIT.
    virtual std::int64_t newRosterVersion(const std::string& program, const std::string& source,
                                          std::int64_t now_millis) = 0;
    /// Newest committed version (0: none yet).
    virtual std::int64_t latestRosterVersion() = 0;
    /// The newest version <= up_to of each program that has one.
    virtual std::map<std::string, std::int64_t> rosterVersions(std::int64_t up_to) = 0;
    /// Rows last written by versions in (after, up_to], removals included, in version order;
    /// `visit` returns false to stop.
    virtual void forEachRosterChange(std::int64_t after, std::int64_t up_to,
                                     const std::function<bool(const RosterRow&)>& visit) = 0;
    virtual std::int64_t countRosterChanges(std::int64_t after, std::int64_t up_to) = 0;
    /// Bulk upsert of rows of one program, sorted by citizen key, each key once, in the current
    /// roster transaction (SQLite: one statement, one ordered sweep of the B-tree; PostgreSQL:
    /// COPY, straight into the table for a program with no rows yet, else into a staging table
    /// and one set-based merge). Reads `rows` to its end.
    virtual void loadRosterRows(RosterRowSource& rows) = 0;
    /// `roster import --replace`: every row of `program` not written by `version` is marked
    /// removed under it. Returns how many.
    virtual std::int64_t removeRosterRowsNotIn(const std::string& program,
                                               std::int64_t version) = 0;
    /// Waits up to `timeout` for news of a roster change and says whether there was some
    /// (PostgreSQL: LISTEN/NOTIFY). A backend without notifications returns false at once.
    virtual bool waitForRosterNews(std::chrono::milliseconds timeout) = 0;
    /// Every blocking claim (held, in_doubt, paid), to warm the in-memory index at start.
    virtual void forEachBlockingClaim(
        const std::function<void(const std::string& program, const CitizenKey& key,
                                 protocols::ClaimStatus status, protocols::Channel channel,
                                 std::int64_t since_millis)>& visit) = 0;

    // Small key/value state (recon cursors, schema version).
    virtual std::optional<std::string> getMeta(const std::string& key) = 0;
    virtual void putMeta(const std::string& key, const std::string& value) = 0;
};

using LedgerStorePtr = std::unique_ptr<LedgerStore>;

}  // namespace claimgate::gateway
