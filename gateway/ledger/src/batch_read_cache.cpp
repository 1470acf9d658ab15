#include "batch_read_cache.hpp"

#include "composite_key.hpp"

namespace claimgate::gateway {
namespace {

std::string blockingKey(const std::string& program, const CitizenKey& citizen_key) {
    return compositeKey(program, std::string_view(reinterpret_cast<const char*>(citizen_key.data()),
                                                  citizen_key.size()));
}

}  // namespace

void BatchReadCache::clear() {
    replies_.clear();
    claims_.clear();
    by_code_.clear();
    blocking_.clear();
    last_event_.reset();
}

void BatchReadCache::putReply(const std::string& operator_id, const std::string& key,
                              std::optional<StoredReply> reply) {
    replies_[compositeKey(operator_id, key)] = std::move(reply);
}

BatchReadCache::Known<StoredReply> BatchReadCache::reply(const std::string& operator_id,
                                                         const std::string& key) const {
    const auto found = replies_.find(compositeKey(operator_id, key));
    if (found == replies_.end()) return std::nullopt;
    return found->second;
}

void BatchReadCache::remember(const ClaimRecord& claim) { claims_[claim.claim_id] = claim; }

void BatchReadCache::putClaimById(const std::string& claim_id, std::optional<ClaimRecord> claim) {
    if (claim) {
        remember(*claim);
    } else {
        claims_[claim_id] = std::nullopt;
    }
}

void BatchReadCache::putThrough(IdIndex& index, std::string key,
                                const std::optional<ClaimRecord>& claim) {
    auto& entry = index[std::move(key)];
    entry.reset();
    if (claim) {
        entry = claim->claim_id;
        remember(*claim);
    }
}

void BatchReadCache::putClaimByCode(const std::string& operator_id, const std::string& claim_code,
                                    std::optional<ClaimRecord> claim) {
    putThrough(by_code_, compositeKey(operator_id, claim_code), claim);
}

void BatchReadCache::putBlocking(const std::string& program, const CitizenKey& citizen_key,
                                 std::optional<ClaimRecord> claim) {
    putThrough(blocking_, blockingKey(program, citizen_key), claim);
}

BatchReadCache::Known<ClaimRecord> BatchReadCache::claimThrough(const IdIndex& index,
                                                                const std::string& key) const {
    const auto found = index.find(key);
    if (found == index.end()) return std::nullopt;
    if (!found->second) return std::optional<ClaimRecord>{};
    return claimById(*found->second);
}

BatchReadCache::Known<ClaimRecord> BatchReadCache::claimById(const std::string& claim_id) const {
    const auto found = claims_.find(claim_id);
    if (found == claims_.end()) return std::nullopt;
    return found->second;
}

BatchReadCache::Known<ClaimRecord> BatchReadCache::claimByCode(
    const std::string& operator_id, const std::string& claim_code) const {
    return claimThrough(by_code_, compositeKey(operator_id, claim_code));
}

BatchReadCache::Known<ClaimRecord> BatchReadCache::blocking(const std::string& program,
                                                            const CitizenKey& citizen_key) const {
    return claimThrough(blocking_, blockingKey(program, citizen_key));
}

void BatchReadCache::claimWritten(const ClaimRecord& claim) {
    remember(claim);
    by_code_[compositeKey(claim.operator_id, claim.claim_code)] = claim.claim_id;
    const std::string citizen = blockingKey(claim.program, claim.citizen_key);
    if (protocols::blocksCitizen(claim.status)) {
        blocking_[citizen] = claim.claim_id;
        return;
    }
    // Voided: it blocks nobody now, and no other claim of the citizen was blocking (invariant
    // 1): where this claim was the known blocker, the citizen is now known free.
    const auto found = blocking_.find(citizen);
    if (found != blocking_.end() && found->second == claim.claim_id) found->second.reset();
}

void BatchReadCache::putLastEvent(std::optional<ClaimEvent> event) {
    last_event_ = std::move(event);
}

}  // namespace claimgate::gateway
