#include <claimgate/ledger/batch_runner.hpp>

#include <claimgate/ledger/claim_access.hpp>

#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/log.hpp>

#include <exception>
#include <type_traits>
#include <variant>

namespace claimgate::gateway {
namespace {

void rollbackQuietly(LedgerStore& store) {
    try {
        store.rollback();
    } catch (const std::exception&) {
        // The connection is gone; the transaction died with it.
    }
}

void answerAllUnavailable(std::span<const LedgerOperation> operations,
                          std::vector<LedgerReply>& replies) {
    for (std::size_t i = 0; i < operations.size(); ++i) {
        replies[i] = unavailableReply(operationKind(operations[i]));
    }
}

void addClaimRef(BatchReadSet& reads, const TerminalIdentity& terminal,
                 const std::string& claim_ref) {
    if (isClaimIdRef(claim_ref)) {
        reads.claim_ids.push_back(claim_ref);
    } else {
        reads.claim_codes.emplace_back(terminal.operator_id, claim_ref);
    }
}

/// The rows ClaimEngine reads for these operations. Keep it in step with claim_engine.cpp: on
/// PostgreSQL this set is also the batch's lock order (every claim it names is locked in
/// claim-id order before the first operation), and a read missing here is answered with a
/// round trip and a row lock of its own, outside that order, where two nodes' batches can
/// deadlock. `EveryOperationKindReadsOnlyWhatItsReadSetNames` holds the two in step.
BatchReadSet readSetOf(std::span<const LedgerOperation> operations) {
    BatchReadSet reads;
    for (const auto& operation : operations) {
        std::visit(
            [&reads](const auto& op) {
                using Op = std::decay_t<decltype(op)>;
                if constexpr (std::is_same_v<Op, HoldOperation>) {
                    reads.replies.emplace_back(op.terminal.operator_id, op.idempotency.key);
                    reads.blocking.emplace_back(op.program, op.citizen_key);
                    for (const auto& excluded : op.excluded_programs) {
                        reads.blocking.emplace_back(excluded, op.citizen_key);
                    }
                    reads.claim_codes.emplace_back(op.terminal.operator_id, op.claim_code);
                } else if constexpr (std::is_same_v<Op, CommitOperation> ||
                                     std::is_same_v<Op, VoidOperation>) {
                    reads.replies.emplace_back(op.terminal.operator_id, op.idempotency.key);
                    addClaimRef(reads, op.terminal, op.claim_ref);
                } else if constexpr (std::is_same_v<Op, LookupReplyOperation>) {
                    reads.replies.emplace_back(op.terminal.operator_id, op.idempotency.key);
                } else if constexpr (std::is_same_v<Op, ResolveOperation>) {
                    reads.claim_ids.push_back(op.claim_id);
                } else if constexpr (std::is_same_v<Op, ImportPayoutOperation>) {
                    reads.claim_ids.push_back("p_" + op.payout_id);
                    reads.blocking.emplace_back(op.program, op.citizen_key);
                }
            },
            operation);
    }
    return reads;
}

/// The common case: every operation in one transaction without savepoints, the backend free
/// to defer its writes' results (LedgerStore::beginOptimisticBatch). Throws whatever the
/// database throws; the caller rolls back.
void applyAll(LedgerStore& store, ClaimEngine& engine, std::span<const LedgerOperation> operations,
              std::vector<LedgerReply>& replies, const BatchExtra& extra) {
    store.beginOptimisticBatch(readSetOf(operations));
    // Keyed replies are rendered and signed on the engine's render thread while the next
    // operations are applied, and stored before the batch commits.
    const bool defer_replies = engine.rendersInBackground();
    engine.beginBatch(defer_replies);
    try {
        for (std::size_t i = 0; i < operations.size(); ++i) {
            replies[i] = engine.apply(store, operations[i]);
            if (defer_replies) engine.replyPlaced(replies, i);
        }
        if (defer_replies) engine.settleDeferredReplies(store, replies);
    } catch (...) {
        // The caller discards `replies`: the render thread lets go of them first.
        if (defer_replies) engine.abandonBatch();
        throw;
    }
    if (extra) extra(store);
    // Last, so that a shared database's chain lock is held only for the events and the commit.
    engine.appendBatchEvents(store);
    store.finishOptimisticWrites();
}

/// After a database refusal: the same batch again, each operation in its own savepoint, so one
/// refused operation is undone alone (with the chain events it made).
void applyIsolated(LedgerStore& store, ClaimEngine& engine,
                   std::span<const LedgerOperation> operations, std::vector<LedgerReply>& replies,
                   const BatchExtra& extra) {
    store.beginIsolatedBatch(readSetOf(operations));
    engine.beginBatch();
    for (std::size_t i = 0; i < operations.size(); ++i) {
        store.savepoint();
        engine.markEvents();
        try {
            replies[i] = engine.apply(store, operations[i]);
            store.releaseSavepoint();
        } catch (const std::exception& error) {
            store.rollbackToSavepoint();
            engine.dropEventsSinceMark();
            log::error(
                "ledger", "operation rolled back",
                {{"operation", operations[i].index()}, {"error", log::firstLine(error.what())}});
            replies[i] = unavailableReply(operationKind(operations[i]));
        }
    }
    if (extra) extra(store);
    engine.appendBatchEvents(store);
}

}  // namespace

LedgerReply unavailableReply(OperationKind kind) {
    LedgerReply reply;
    reply.kind = kind;
    reply.outcome = LedgerOutcome::unavailable;
    return reply;
}

BatchResult runBatch(LedgerStore& store, ClaimEngine& engine,
                     std::span<const LedgerOperation> operations, std::vector<LedgerReply>& replies,
                     const BatchExtra& extra, OnRefusal on_refusal) {
    replies.assign(operations.size(), LedgerReply{});
    BatchResult result;
    try {
        applyAll(store, engine, operations, replies, extra);
    } catch (const std::exception& refused) {
        rollbackQuietly(store);
        result.error = refused.what();
        if (on_refusal == OnRefusal::fail_batch) {
            answerAllUnavailable(operations, replies);
            return result;
        }
        result.isolated = true;
        replies.assign(operations.size(), LedgerReply{});
        try {
            applyIsolated(store, engine, operations, replies, extra);
        } catch (const std::exception& error) {
            rollbackQuietly(store);
            // The caller reports it (the gateway's writer: one line per loss of the database,
            // DatabaseHealth; recon: its exit status).
            result.error = error.what();
            answerAllUnavailable(operations, replies);
            return result;
        }
    }
    try {
        store.commit();
    } catch (const std::exception& error) {
        // Not retried: a COMMIT that failed may be a lost connection, and whether it reached
        // the disk is then unknown to us; every operation is "not known yet" (503 not_ready),
        // and a retry with the same Idempotency-Key learns the truth.
        rollbackQuietly(store);
        result.error = error.what();
        answerAllUnavailable(operations, replies);
        return result;
    }
    result.committed = true;
    CG_ASSERT(replies.size() == operations.size(), "one reply per operation of the batch");
    return result;
}

}  // namespace claimgate::gateway
