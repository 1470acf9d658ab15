// File: batch_read_cache.hpp
// The rows an optimistic batch has read or written, so a backend across a network answers the
// batch's reads from memory (LedgerStore::beginOptimisticBatch). Every lookup is three-valued:
// not known (ask the database), known absent, or the row. Writes made in the batch update it
// the way the database would see them, so a later operation of the same batch (a retry with the
// same key, a second hold for the same citizen) reads its predecessor's effects.
//
// Valid only inside the batch's transaction: no other node changes these rows underneath,
// because the claims were read FOR UPDATE and the citizens of its holds are locked (see
// kCitizenLockClass in postgres_ledger_store.cpp); a reply or claim another node inserts
// meanwhile trips a unique index at the batch's check. Cleared at the batch's end.
#pragma once

#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/ledger/ledger_store.hpp>

#include <optional>
#include <string>
#include <unordered_map>

namespace claimgate::gateway {

class BatchReadCache {
public:
    /// A lookup's answer: nullopt = not known; a value = known (the row, or absent).
    template <typename Row>
    using Known = std::optional<std::optional<Row>>;

    void clear();

    void putReply(const std::string& operator_id, const std::string& key,
                  std::optional<StoredReply> reply);
    [[nodiscard]] Known<StoredReply> reply(const std::string& operator_id,
                                           const std::string& key) const;
    /// After a purge: which replies survived is not known here.
    void forgetReplies() { replies_.clear(); }

    void putClaimById(const std::string& claim_id, std::optional<ClaimRecord> claim);
    void putClaimByCode(const std::string& operator_id, const std::string& claim_code,
                        std::optional<ClaimRecord> claim);
    void putBlocking(const std::string& program, const CitizenKey& citizen_key,
                     std::optional<ClaimRecord> claim);
    [[nodiscard]] Known<ClaimRecord> claimById(const std::string& claim_id) const;
    [[nodiscard]] Known<ClaimRecord> claimByCode(const std::string& operator_id,
                                                 const std::string& claim_code) const;
    [[nodiscard]] Known<ClaimRecord> blocking(const std::string& program,
                                              const CitizenKey& citizen_key) const;
    /// An insert or update of `claim` in this batch: every way of finding it follows.
    void claimWritten(const ClaimRecord& claim);

    void putLastEvent(std::optional<ClaimEvent> event);
    [[nodiscard]] Known<ClaimEvent> lastEvent() const { return last_event_; }

private:
    /// Claim ids of a lookup key; the rows themselves are in claims_, once.
    using IdIndex = std::unordered_map<std::string, std::optional<std::string>>;

    [[nodiscard]] Known<ClaimRecord> claimThrough(const IdIndex& index,
                                                  const std::string& key) const;
    /// Records under `key` in `index` which claim a lookup found (or that it found none).
    void putThrough(IdIndex& index, std::string key, const std::optional<ClaimRecord>& claim);
    void remember(const ClaimRecord& claim);

    std::unordered_map<std::string, std::optional<StoredReply>> replies_;
    std::unordered_map<std::string, std::optional<ClaimRecord>> claims_;
    IdIndex by_code_;
    IdIndex blocking_;
    Known<ClaimEvent> last_event_;
};

}  // namespace claimgate::gateway
