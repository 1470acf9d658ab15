#include <claimgate/ledger/batch_runner.hpp>

#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/log.hpp>

#include <exception>

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

/// The common case: every operation in one transaction without savepoints. Throws whatever the
/// database throws; the caller rolls back.
void applyAll(LedgerStore& store, ClaimEngine& engine, std::span<const LedgerOperation> operations,
              std::vector<LedgerReply>& replies, const BatchExtra& extra) {
    store.begin();
    engine.beginBatch(store);
    for (std::size_t i = 0; i < operations.size(); ++i) {
        replies[i] = engine.apply(store, operations[i]);
    }
    if (extra) extra(store);
}

/// After a database refusal: the same batch again, each operation in its own savepoint, so one
/// refused operation is undone alone (with the chain head it advanced).
void applyIsolated(LedgerStore& store, ClaimEngine& engine,
                   std::span<const LedgerOperation> operations, std::vector<LedgerReply>& replies,
                   const BatchExtra& extra) {
    store.begin();
    engine.beginBatch(store);
    for (std::size_t i = 0; i < operations.size(); ++i) {
        store.savepoint();
        engine.saveChainHead();
        try {
            replies[i] = engine.apply(store, operations[i]);
            store.releaseSavepoint();
        } catch (const std::exception& error) {
            store.rollbackToSavepoint();
            engine.restoreChainHead();
            log::error(
                "ledger", "operation rolled back",
                {{"operation", operations[i].index()}, {"error", log::firstLine(error.what())}});
            replies[i] = unavailableReply(operationKind(operations[i]));
        }
    }
    if (extra) extra(store);
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
