// File: poisoning_store.hpp
// A LedgerStore decorator that turns one citizen's hold into a real database error: the claim
// row is written, then, inside the same operation, a chain event with an already used sequence
// number, so the backend itself refuses it (unique violation). On PostgreSQL that also aborts the
// transaction, which only ROLLBACK TO SAVEPOINT recovers: exactly what a batch must survive.
// It can also hold a batch just before it takes the chain lock (beforeChainLock), the moment
// another node's batch must be free to commit.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include <functional>
#include <optional>
#include <string>

namespace claimgate::gateway::testing {

class PoisoningStore final : public LedgerStore {
public:
    explicit PoisoningStore(LedgerStore& inner) : inner_(inner) {}
    void poison(const CitizenKey& key) { poisoned_key_ = key; }
    void cure() { poisoned_key_.reset(); }
    /// Runs `hook` inside every lockChain(), before the chain lock is taken: the batch has made
    /// its reads and writes and holds their locks, but not the chain's.
    void beforeChainLock(std::function<void()> hook) { before_chain_lock_ = std::move(hook); }

    void begin() override { inner_.begin(); }
    // Forwarded, so the poison also hits a batch whose writes the backend defers (PostgreSQL's
    // pipeline): the refusal then surfaces at the end of the batch, not at the statement.
    void beginOptimisticBatch(const BatchReadSet& reads) override {
        inner_.beginOptimisticBatch(reads);
    }
    void beginIsolatedBatch(const BatchReadSet& reads) override {
        inner_.beginIsolatedBatch(reads);
    }
    std::optional<ClaimEvent> lockChain() override {
        if (before_chain_lock_) before_chain_lock_();
        return inner_.lockChain();
    }
    void finishOptimisticWrites() override { inner_.finishOptimisticWrites(); }
    void commit() override { inner_.commit(); }
    void rollback() override { inner_.rollback(); }
    void savepoint() override { inner_.savepoint(); }
    void releaseSavepoint() override { inner_.releaseSavepoint(); }
    void rollbackToSavepoint() override { inner_.rollbackToSavepoint(); }
    std::optional<StoredReply> findReply(const std::string& o, const std::string& k) override {
        return inner_.findReply(o, k);
    }
    void saveReply(const std::string& o, const std::string& k, const StoredReply& r,
                   std::int64_t now) override {
        inner_.saveReply(o, k, r, now);
    }
    std::size_t purgeReplies(std::int64_t older, std::size_t limit) override {
        return inner_.purgeReplies(older, limit);
    }
    std::optional<ClaimRecord> findBlockingClaim(const std::string& p,
                                                 const CitizenKey& k) override {
        return inner_.findBlockingClaim(p, k);
    }
    std::optional<ClaimRecord> findClaim(const std::string& id) override {
        return inner_.findClaim(id);
    }
    std::optional<ClaimRecord> findClaimByCode(const std::string& o,
                                               const std::string& c) override {
        return inner_.findClaimByCode(o, c);
    }
    bool claimCodeExists(const std::string& o, const std::string& c) override {
        return inner_.claimCodeExists(o, c);
    }
    bool insertClaim(const ClaimRecord& claim) override {
        const bool inserted = inner_.insertClaim(claim);
        if (inserted && poisoned_key_ && claim.citizen_key == *poisoned_key_) {
            ClaimEvent duplicate;
            duplicate.seq = 1;  // taken: the database refuses it
            duplicate.claim_id = claim.claim_id;
            duplicate.body = "{}";
            inner_.appendEvent(duplicate);
        }
        return inserted;
    }
    void updateClaim(const ClaimRecord& claim) override { inner_.updateClaim(claim); }
    std::vector<ClaimRecord> findExpiredHolds(std::int64_t now, std::size_t limit) override {
        return inner_.findExpiredHolds(now, limit);
    }
    std::int64_t countClaims(protocols::ClaimStatus s) override { return inner_.countClaims(s); }
    void forEachClaim(const std::function<bool(const ClaimRecord&)>& v) override {
        inner_.forEachClaim(v);
    }
    std::optional<ClaimEvent> lastEvent() override { return inner_.lastEvent(); }
    void appendEvent(const ClaimEvent& event) override { inner_.appendEvent(event); }
    void forEachEvent(const std::function<bool(const ClaimEvent&)>& v) override {
        inner_.forEachEvent(v);
    }
    void forEachEventAfter(std::int64_t after, std::size_t limit,
                           const std::function<bool(const ClaimEvent&)>& v) override {
        inner_.forEachEventAfter(after, limit, v);
    }
    void putProgram(const protocols::Program& p) override { inner_.putProgram(p); }
    std::vector<protocols::Program> loadPrograms() override { return inner_.loadPrograms(); }
    void upsertRosterRow(const RosterRow& r) override { inner_.upsertRosterRow(r); }
    void removeRosterRow(const std::string& p, const CitizenKey& k, std::int64_t v) override {
        inner_.removeRosterRow(p, k, v);
    }
    void beginRoster() override { inner_.beginRoster(); }
    std::int64_t newRosterVersion(const std::string& p, const std::string& s,
                                  std::int64_t now) override {
        return inner_.newRosterVersion(p, s, now);
    }
    std::int64_t latestRosterVersion() override { return inner_.latestRosterVersion(); }
    std::map<std::string, std::int64_t> rosterVersions(std::int64_t up_to) override {
        return inner_.rosterVersions(up_to);
    }
    void forEachRosterChange(std::int64_t after, std::int64_t up_to,
                             const std::function<bool(const RosterRow&)>& v) override {
        inner_.forEachRosterChange(after, up_to, v);
    }
    std::int64_t countRosterChanges(std::int64_t after, std::int64_t up_to) override {
        return inner_.countRosterChanges(after, up_to);
    }
    void loadRosterRows(RosterRowSource& rows) override { inner_.loadRosterRows(rows); }
    std::int64_t removeRosterRowsNotIn(const std::string& p, std::int64_t v) override {
        return inner_.removeRosterRowsNotIn(p, v);
    }
    bool waitForRosterNews(std::chrono::milliseconds timeout) override {
        return inner_.waitForRosterNews(timeout);
    }
    std::int64_t countRosterRows(const std::string& p) override {
        return inner_.countRosterRows(p);
    }
    void forEachRosterRow(const std::string& p,
                          const std::function<void(const RosterRow&)>& v) override {
        inner_.forEachRosterRow(p, v);
    }
    void forEachBlockingClaim(
        const std::function<void(const std::string&, const CitizenKey&, protocols::ClaimStatus,
                                 protocols::Channel, std::int64_t)>& v) override {
        inner_.forEachBlockingClaim(v);
    }
    std::optional<std::string> getMeta(const std::string& k) override { return inner_.getMeta(k); }
    void putMeta(const std::string& k, const std::string& v) override { inner_.putMeta(k, v); }

private:
    LedgerStore& inner_;
    std::optional<CitizenKey> poisoned_key_;
    std::function<void()> before_chain_lock_;
};

}  // namespace claimgate::gateway::testing
