// File: postgres_ledger_store.hpp
// The shared ledger backend for several gateway nodes (contracts §6, issue 5): PostgreSQL through
// libpq, the same LedgerStore contract as SQLite. Invariant 1 is the same partial unique index;
// the hash chain stays linear across nodes because every write transaction first takes one
// transaction-scoped advisory lock, so batches from different nodes serialise on the chain head.
// Durability: synchronous_commit is forced on for the session, so COMMIT returns after the WAL
// is flushed.
//
// Connection loss: begin() resets the connection (bounded backoff); while the server is away it
// throws, the writer answers 503 + Retry-After, and nothing is half-written because the
// transaction never committed.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include <memory>
#include <string>
#include <unordered_map>

struct pg_conn;
struct pg_result;

namespace claimgate::gateway {

class PostgresLedgerStore final : public LedgerStore {
public:
    /// `uri` is a libpq connection string or postgresql:// URI. Throws LedgerStoreError.
    explicit PostgresLedgerStore(std::string uri);
    ~PostgresLedgerStore() override;

    void begin() override;
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
    void loadRosterRows(std::span<const RosterRow* const> rows) override;
    std::int64_t removeRosterRowsNotIn(const std::string& program, std::int64_t version) override;
    bool waitForRosterNews(std::chrono::milliseconds timeout) override;

    std::optional<std::string> getMeta(const std::string& key) override;
    void putMeta(const std::string& key, const std::string& value) override;

    /// Drops and recreates the schema: for tests only.
    void resetSchemaForTests();

private:
    class Query;
    void connect();
    void migrate();
    void exec(const char* sql);
    Query run(const char* sql, const std::vector<std::string>& params,
              const std::vector<bool>& binary = {});
    /// The name of `sql` prepared on this connection (prepared on first use).
    const std::string& preparedStatement(const char* sql, int param_count);
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
    bool listening_ = false;  // LISTEN issued on this connection (waitForRosterNews)
};

}  // namespace claimgate::gateway
