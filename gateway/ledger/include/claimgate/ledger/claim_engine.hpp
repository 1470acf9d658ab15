// File: claim_engine.hpp
// The claim state machine of contracts §5 over any LedgerStore, run by the single writer inside a
// transaction: idempotency first (replay / key reused), then the transition, the hash-chained
// event and the stored reply, all in one savepoint so each op is all-or-nothing.
//
//   held --commit--> paid        held --void--> voided        held --TTL--> in_doubt
//   in_doubt --late commit / settlement--> paid    in_doubt --late void / resolution--> voided
#pragma once

#include <claimgate/ledger/clock.hpp>
#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>

#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/ledger_operation.hpp>

#include <memory>

namespace claimgate::gateway {

class ClaimEngine {
public:
    ClaimEngine(ClockPtr clock, std::shared_ptr<protocols::EcdsaSigner> receipt_signer,
                std::int64_t idempotency_retention_millis);

    /// Starts a batch: reads the chain head inside the transaction (so several nodes sharing a
    /// database extend one chain).
    void beginBatch(LedgerStore& store);
    /// Applies one operation. Throws LedgerStoreError on database failure; the caller rolls
    /// back the op's savepoint and calls restoreChainHead().
    LedgerReply apply(LedgerStore& store, const LedgerOperation& operation);

    void saveChainHead() { saved_head_ = head_; }
    void restoreChainHead() { head_ = saved_head_; }

    /// Receipt JSON without "sig", canonical (sorted keys): what the signature covers.
    static std::string receiptPayload(const ClaimRecord& claim);

private:
    LedgerReply hold(LedgerStore& store, const HoldOperation& operation);
    LedgerReply commit(LedgerStore& store, const CommitOperation& operation);
    LedgerReply voidClaim(LedgerStore& store, const VoidOperation& operation);
    LedgerReply resolve(LedgerStore& store, const ResolveOperation& operation);
    LedgerReply sweep(LedgerStore& store);
    LedgerReply importPayout(LedgerStore& store, const ImportPayoutOperation& operation);
    LedgerReply readClaim(LedgerStore& store, const ReadClaimOperation& operation);

    /// Replay or key-reused answer if the key was seen; nullopt for a fresh key.
    std::optional<LedgerReply> checkIdempotency(LedgerStore& store, const std::string& operator_id,
                                                const IdempotencyScope& scope);
    LedgerReply finish(LedgerStore& store, const std::string& operator_id,
                       const IdempotencyScope& scope, LedgerReply reply);
    std::optional<ClaimRecord> findClaimForTerminal(LedgerStore& store,
                                                    const TerminalIdentity& terminal,
                                                    const std::string& claim_ref,
                                                    LedgerReply& refusal);
    void appendEvent(LedgerStore& store, const ClaimRecord& claim, std::string_view type,
                     const std::string& actor);
    nlohmann::json signedReceipt(const ClaimRecord& claim) const;
    std::string newClaimId() const;
    std::string newClaimCode(LedgerStore& store, const std::string& operator_id) const;

    ClockPtr clock_;
    std::shared_ptr<protocols::EcdsaSigner> receipt_signer_;
    std::int64_t idempotency_retention_millis_;
    ChainHead head_;
    ChainHead saved_head_;
};

}  // namespace claimgate::gateway
