// File: faulty_ledger_store.hpp
// A LedgerStore that forwards to the real one (SQLite) and fails on command, so the simulation can
// inject what a disk or database does on a bad day: a failed fsync at COMMIT (the transaction is
// rolled back and the error reported, as SQLite does when fsync fails) and an outage (the database
// is down or restarting: every call fails until it is back).
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include <atomic>

namespace claimgate::vopr {

/// The faults in force, owned by the simulation (they outlive a gateway restart). Set by the
/// simulation thread, read by the ledger writer thread.
struct StoreFaults {
    /// The next COMMIT fails (after rolling the transaction back).
    std::atomic<bool> fail_next_commit{false};
    /// While down, every call throws LedgerStoreError("database unavailable").
    std::atomic<bool> down{false};
};

class FaultyLedgerStore final : public gateway::LedgerStore {
public:
    FaultyLedgerStore(gateway::LedgerStorePtr real, StoreFaults& faults)
        : real_(std::move(real)), faults_(faults) {}

    void begin() override;
    void commit() override;
    void rollback() override;
    void savepoint() override;
    void releaseSavepoint() override;
    void rollbackToSavepoint() override;
    std::optional<gateway::StoredReply> findReply(const std::string& operator_id,
                                                  const std::string& key) override;
    void saveReply(const std::string& operator_id, const std::string& key,
                   const gateway::StoredReply& reply, std::int64_t now_millis) override;
    std::size_t purgeReplies(std::int64_t older_than_millis, std::size_t limit) override;
    std::optional<gateway::ClaimRecord> findBlockingClaim(
        const std::string& program, const gateway::CitizenKey& citizen_key) override;
    std::optional<gateway::ClaimRecord> findClaim(const std::string& claim_id) override;
    std::optional<gateway::ClaimRecord> findClaimByCode(const std::string& operator_id,
                                                        const std::string& claim_code) override;
    bool claimCodeExists(const std::string& operator_id, const std::string& claim_code) override;
    bool insertClaim(const gateway::ClaimRecord& claim) override;
    void updateClaim(const gateway::ClaimRecord& claim) override;
    std::vector<gateway::ClaimRecord> findExpiredHolds(std::int64_t now_millis,
                                                       std::size_t limit) override;
    std::int64_t countClaims(protocols::ClaimStatus status) override;
    void forEachClaim(const std::function<bool(const gateway::ClaimRecord&)>& visit) override;
    std::optional<gateway::ClaimEvent> lastEvent() override;
    void appendEvent(const gateway::ClaimEvent& event) override;
    void forEachEvent(const std::function<bool(const gateway::ClaimEvent&)>& visit) override;
    void forEachEventAfter(std::int64_t after_seq, std::size_t limit,
                           const std::function<bool(const gateway::ClaimEvent&)>& visit) override;
    void putProgram(const protocols::Program& program) override;
    std::vector<protocols::Program> loadPrograms() override;
    void upsertRosterRow(const gateway::RosterRow& row) override;
    void removeRosterRow(const std::string& program, const gateway::CitizenKey& citizen_key,
                         std::int64_t version) override;
    std::int64_t countRosterRows(const std::string& program) override;
    void forEachRosterRow(const std::string& program,
                          const std::function<void(const gateway::RosterRow&)>& visit) override;
    void beginRoster() override;
    std::int64_t newRosterVersion(const std::string& program, const std::string& source,
                                  std::int64_t now_millis) override;
    std::int64_t latestRosterVersion() override;
    std::map<std::string, std::int64_t> rosterVersions(std::int64_t up_to) override;
    void forEachRosterChange(std::int64_t after, std::int64_t up_to,
                             const std::function<bool(const gateway::RosterRow&)>& visit) override;
    std::int64_t countRosterChanges(std::int64_t after, std::int64_t up_to) override;
    void loadRosterRows(gateway::RosterRowSource& rows) override;
    std::int64_t removeRosterRowsNotIn(const std::string& program, std::int64_t version) override;
    bool waitForRosterNews(std::chrono::milliseconds timeout) override;
    void forEachBlockingClaim(
        const std::function<void(const std::string& program, const gateway::CitizenKey& key,
                                 protocols::ClaimStatus status, protocols::Channel channel,
                                 std::int64_t since_millis)>& visit) override;
    std::optional<std::string> getMeta(const std::string& key) override;
    void putMeta(const std::string& key, const std::string& value) override;

private:
    void check() const;

    gateway::LedgerStorePtr real_;
    StoreFaults& faults_;
};

}  // namespace claimgate::vopr
