#include "faulty_ledger_store.hpp"

namespace claimgate::vopr {

using gateway::LedgerStoreError;

void FaultyLedgerStore::check() const {
    if (faults_.down) throw LedgerStoreError("database unavailable (simulated outage)");
}

void FaultyLedgerStore::begin() {
    check();
    real_->begin();
}

void FaultyLedgerStore::commit() {
    check();
    if (faults_.fail_next_commit.exchange(false)) {
        // What SQLite does when fsync fails at COMMIT: the transaction does not happen.
        real_->rollback();
        throw LedgerStoreError("disk I/O error (simulated fsync failure)");
    }
    real_->commit();
}

void FaultyLedgerStore::rollback() { real_->rollback(); }

void FaultyLedgerStore::savepoint() {
    check();
    real_->savepoint();
}

void FaultyLedgerStore::releaseSavepoint() {
    check();
    real_->releaseSavepoint();
}

void FaultyLedgerStore::rollbackToSavepoint() { real_->rollbackToSavepoint(); }

std::optional<gateway::StoredReply> FaultyLedgerStore::findReply(const std::string& operator_id,
                                                                 const std::string& key) {
    check();
    return real_->findReply(operator_id, key);
}

void FaultyLedgerStore::saveReply(const std::string& operator_id, const std::string& key,
                                  const gateway::StoredReply& reply, std::int64_t now_millis) {
    check();
    real_->saveReply(operator_id, key, reply, now_millis);
}

std::size_t FaultyLedgerStore::purgeReplies(std::int64_t older_than_millis, std::size_t limit) {
    check();
    return real_->purgeReplies(older_than_millis, limit);
}

std::optional<gateway::ClaimRecord> FaultyLedgerStore::findBlockingClaim(
    const std::string& program, const gateway::CitizenKey& citizen_key) {
    check();
    return real_->findBlockingClaim(program, citizen_key);
}

std::optional<gateway::ClaimRecord> FaultyLedgerStore::findClaim(const std::string& claim_id) {
    check();
    return real_->findClaim(claim_id);
}

std::optional<gateway::ClaimRecord> FaultyLedgerStore::findClaimByCode(
    const std::string& operator_id, const std::string& claim_code) {
    check();
    return real_->findClaimByCode(operator_id, claim_code);
}

bool FaultyLedgerStore::claimCodeExists(const std::string& operator_id,
                                        const std::string& claim_code) {
    check();
    return real_->claimCodeExists(operator_id, claim_code);
}

bool FaultyLedgerStore::insertClaim(const gateway::ClaimRecord& claim) {
    check();
    return real_->insertClaim(claim);
}

void FaultyLedgerStore::updateClaim(const gateway::ClaimRecord& claim) {
    check();
    real_->updateClaim(claim);
}

std::vector<gateway::ClaimRecord> FaultyLedgerStore::findExpiredHolds(std::int64_t now_millis,
                                                                      std::size_t limit) {
    check();
    return real_->findExpiredHolds(now_millis, limit);
}

std::int64_t FaultyLedgerStore::countClaims(protocols::ClaimStatus status) {
    check();
    return real_->countClaims(status);
}

void FaultyLedgerStore::forEachClaim(
    const std::function<bool(const gateway::ClaimRecord&)>& visit) {
    check();
    real_->forEachClaim(visit);
}

std::optional<gateway::ClaimEvent> FaultyLedgerStore::lastEvent() {
    check();
    return real_->lastEvent();
}

void FaultyLedgerStore::appendEvent(const gateway::ClaimEvent& event) {
    check();
    real_->appendEvent(event);
}

void FaultyLedgerStore::forEachEvent(const std::function<bool(const gateway::ClaimEvent&)>& visit) {
    check();
    real_->forEachEvent(visit);
}

void FaultyLedgerStore::forEachEventAfter(
    std::int64_t after_seq, std::size_t limit,
    const std::function<bool(const gateway::ClaimEvent&)>& visit) {
    check();
    real_->forEachEventAfter(after_seq, limit, visit);
}

void FaultyLedgerStore::putProgram(const protocols::Program& program) {
    check();
    real_->putProgram(program);
}

std::vector<protocols::Program> FaultyLedgerStore::loadPrograms() {
    check();
    return real_->loadPrograms();
}

void FaultyLedgerStore::upsertRosterRow(const gateway::RosterRow& row) {
    check();
    real_->upsertRosterRow(row);
}

void FaultyLedgerStore::removeRosterRow(const std::string& program,
                                        const gateway::CitizenKey& citizen_key,
                                        std::int64_t version) {
    check();
    real_->removeRosterRow(program, citizen_key, version);
}

void FaultyLedgerStore::beginRoster() {
    check();
    real_->beginRoster();
}

std::int64_t FaultyLedgerStore::newRosterVersion(const std::string& program,
                                                 const std::string& source,
                                                 std::int64_t now_millis) {
    check();
    return real_->newRosterVersion(program, source, now_millis);
}

std::int64_t FaultyLedgerStore::latestRosterVersion() {
    check();
    return real_->latestRosterVersion();
}

std::map<std::string, std::int64_t> FaultyLedgerStore::rosterVersions(std::int64_t up_to) {
    check();
    return real_->rosterVersions(up_to);
}

void FaultyLedgerStore::forEachRosterChange(
    std::int64_t after, std::int64_t up_to,
    const std::function<bool(const gateway::RosterRow&)>& visit) {
    check();
    real_->forEachRosterChange(after, up_to, visit);
}

std::int64_t FaultyLedgerStore::countRosterChanges(std::int64_t after, std::int64_t up_to) {
    check();
    return real_->countRosterChanges(after, up_to);
}

void FaultyLedgerStore::loadRosterRows(gateway::RosterRowSource& rows) {
    check();
    real_->loadRosterRows(rows);
}

std::int64_t FaultyLedgerStore::removeRosterRowsNotIn(const std::string& program,
                                                      std::int64_t version) {
    check();
    return real_->removeRosterRowsNotIn(program, version);
}

bool FaultyLedgerStore::waitForRosterNews(std::chrono::milliseconds timeout) {
    // Not a database call that can fail on its own (SQLite answers at once); no fault here.
    return real_->waitForRosterNews(timeout);
}

std::int64_t FaultyLedgerStore::countRosterRows(const std::string& program) {
    check();
    return real_->countRosterRows(program);
}

void FaultyLedgerStore::forEachRosterRow(
    const std::string& program, const std::function<void(const gateway::RosterRow&)>& visit) {
    check();
    real_->forEachRosterRow(program, visit);
}

void FaultyLedgerStore::forEachBlockingClaim(
    const std::function<void(const std::string& program, const gateway::CitizenKey& key,
                             protocols::ClaimStatus status, protocols::Channel channel,
                             std::int64_t since_millis)>& visit) {
    check();
    real_->forEachBlockingClaim(visit);
}

std::optional<std::string> FaultyLedgerStore::getMeta(const std::string& key) {
    check();
    return real_->getMeta(key);
}

void FaultyLedgerStore::putMeta(const std::string& key, const std::string& value) {
    check();
    real_->putMeta(key, value);
}

}  // namespace claimgate::vopr
