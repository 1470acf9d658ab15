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

    /// Starts a batch. With `defer_replies` (runBatch's common case, when the engine renders in
    /// the background) apply() neither renders nor stores keyed replies; the batch ends with
    /// settleDeferredReplies(), still inside the transaction. The batch's chain events are
    /// kept until appendBatchEvents(): the chain head is read only then.
    void beginBatch(bool defer_replies = false);
    /// Applies one operation. Throws LedgerStoreError on database failure; runBatch() then
    /// undoes it (and drops its chain events with dropEventsSinceMark()).
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

    /// Links the batch's events to the chain, in the order their operations were applied, and
    /// appends them. The head is read through LedgerStore::lockChain(), so on a shared database
    /// the chain is locked only from here to the commit, not for the whole batch
    /// (docs/performance.md, "The chain lock only around the chain"). A batch that made no
    /// event reads no head and takes no lock. Throws what the store throws.
    void appendBatchEvents(LedgerStore& store);
    /// Isolated operations (runBatch after a refusal): the events so far are kept when the next
    /// operation is rolled back to its savepoint.
    void markEvents() { marked_events_ = pending_events_count_; }
    void dropEventsSinceMark() { pending_events_count_ = marked_events_; }

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
    /// Records a chain event of this batch; appendBatchEvents() links and writes it.
    void recordEvent(const ClaimRecord& claim, std::string_view type, const std::string& actor);
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
    /// What a chain event is made of, before its place in the chain is known. Slots are reused
    /// from batch to batch (assigned, not rebuilt), so recording an event does not allocate
    /// once the slots' strings have grown.
    struct PendingEvent {
        ClaimRecord claim;
        std::string type;
        std::string actor;
        std::int64_t at = 0;
    };
    std::vector<PendingEvent> pending_events_;
    std::size_t pending_events_count_ = 0;
    std::size_t marked_events_ = 0;
    ClaimEvent linked_event_;  // reused by appendBatchEvents()
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
