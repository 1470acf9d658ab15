// File: claim_engine.hpp
// The claim state machine of contracts §5 over any LedgerStore, run by the single writer inside a
// transaction: idempotency first (replay / key reused), then the transition, the hash-chained
// event and the stored reply. It answers typed outcomes (ledger_outcome.hpp); the gateway's
// renderer turns them into HTTP. Batches are driven by runBatch() (batch_runner.hpp).
//
//   held --commit--> paid        held --void--> voided        held --TTL--> in_doubt
//   in_doubt --late commit / settlement--> paid    in_doubt --late void / resolution--> voided
#pragma once

#include <claimgate/ledger/claim_access.hpp>
#include <claimgate/ledger/clock.hpp>
#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/ledger_operation.hpp>
#include <claimgate/ledger/ledger_store.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace claimgate::gateway {

class RenderWorker;

/// The canonical JSON of one claim_events entry (contracts invariant 4): what the chain hashes.
[[nodiscard]] std::string claimEventBody(std::int64_t seq, const ClaimRecord& claim,
                                         std::string_view type, std::int64_t at,
                                         const std::string& actor);

class ClaimEngine {
public:
    /// `renderer` renders the replies stored for keyed operations (hold, commit, void); callers
    /// that never submit those (recon) pass none. With `render_in_background`, a batch begun
    /// with deferred replies renders them (JSON, receipt signatures) on a thread of the
    /// engine's own while the writer goes on with the batch's next operations; the writer
    /// renders only what is left when the batch ends.
    ClaimEngine(ClockPtr clock, std::int64_t idempotency_retention_millis,
                ReplyRenderer renderer = {}, bool render_in_background = false);
    ~ClaimEngine();
    ClaimEngine(const ClaimEngine&) = delete;
    ClaimEngine& operator=(const ClaimEngine&) = delete;

    /// Starts a batch: reads the chain head inside the transaction (so several nodes sharing a
    /// database extend one chain). With `defer_replies` (runBatch's common case, when the engine
    /// renders in the background) apply() neither renders nor stores keyed replies; the batch
    /// ends with settleDeferredReplies(), still inside the transaction.
    void beginBatch(LedgerStore& store, bool defer_replies = false);
    /// Applies one operation. Throws LedgerStoreError on database failure; runBatch() then
    /// undoes it (and the chain head with it).
    LedgerReply apply(LedgerStore& store, const LedgerOperation& operation);
    [[nodiscard]] bool rendersInBackground() const { return render_worker_ != nullptr; }
    /// In a batch with deferred replies: apply()'s reply now sits at `replies[position]` and
    /// stays there untouched until settleDeferredReplies(), so the render thread may render it.
    /// `replies` keeps its size for the whole batch (runBatch sizes it first).
    void replyPlaced(std::vector<LedgerReply>& replies, std::size_t position);
    /// Renders what the render thread has not, waits for it, stores each deferred reply in
    /// order and gives in-batch replays their original's bytes. `replies[i]` is operation i's
    /// reply. Throws what a render or the store threw; the caller then calls abandonBatch().
    void settleDeferredReplies(LedgerStore& store, std::vector<LedgerReply>& replies);
    /// A batch that failed before or inside settleDeferredReplies: returns once the render
    /// thread no longer touches its replies (the caller is about to discard them).
    void abandonBatch() noexcept;

    void saveChainHead() { saved_head_ = head_; }
    void restoreChainHead() { head_ = saved_head_; }

private:
    LedgerReply hold(LedgerStore& store, const HoldOperation& operation);
    LedgerReply commit(LedgerStore& store, const CommitOperation& operation);
    LedgerReply voidClaim(LedgerStore& store, const VoidOperation& operation);
    LedgerReply resolve(LedgerStore& store, const ResolveOperation& operation);
    LedgerReply sweep(LedgerStore& store);
    LedgerReply importPayout(LedgerStore& store, const ImportPayoutOperation& operation);
    LedgerReply lookupReply(LedgerStore& store, const LookupReplyOperation& operation);

    /// Replay or key-reused answer if the key was seen; nullopt for a fresh key.
    std::optional<LedgerReply> checkIdempotency(LedgerStore& store, OperationKind kind,
                                                const std::string& operator_id,
                                                const IdempotencyScope& scope);
    LedgerReply finish(LedgerStore& store, const std::string& operator_id,
                       const IdempotencyScope& scope, LedgerReply reply);
    /// Renders published replies not yet taken by the other thread, until none is left.
    void renderPublished();
    void renderOne(LedgerReply& reply) const;
    std::optional<ClaimRecord> findClaimForTerminal(LedgerStore& store,
                                                    const TerminalIdentity& terminal,
                                                    const std::string& claim_ref,
                                                    ClaimAction action, LedgerReply& refusal);
    /// Adds `delta` to the database's in_doubt counter and returns the new total.
    std::int64_t adjustInDoubtTotal(LedgerStore& store, std::int64_t delta);
    void appendEvent(LedgerStore& store, const ClaimRecord& claim, std::string_view type,
                     const std::string& actor);
    std::string newClaimId() const;

    /// A keyed reply of this batch, rendered off the writer and stored at the batch's end.
    struct DeferredReply {
        std::size_t position = 0;  // the operation's index in the batch
        std::string operator_id;
        IdempotencyScope scope;
        std::int64_t at = 0;
    };

    ClockPtr clock_;
    std::int64_t idempotency_retention_millis_;
    ReplyRenderer renderer_;
    ChainHead head_;
    ChainHead saved_head_;
    std::unique_ptr<RenderWorker> render_worker_;
    bool defer_replies_ = false;
    std::size_t position_ = 0;  // index in the batch of the operation being applied
    std::vector<DeferredReply> deferred_;
    /// operator, NUL, key -> index in deferred_: a retry inside the same batch replays it.
    std::unordered_map<std::string, std::size_t> deferred_keys_;
    /// Deferred replies handed to rendering, in order. Sized to the batch before the first is
    /// published and never resized during it, so the render thread never reads it while it
    /// reallocates. Entries [0, published_) may be rendered; each is taken by exactly one
    /// thread through next_to_render_.
    std::vector<LedgerReply*> to_render_;
    std::atomic<std::size_t> published_{0};
    std::atomic<std::size_t> next_to_render_{0};
    /// How many of deferred_ are in to_render_ (placed). Placed replies are published in
    /// groups, because a wake-up of the render thread per reply cost more than it saved.
    std::size_t deferred_placed_ = 0;
};

}  // namespace claimgate::gateway
