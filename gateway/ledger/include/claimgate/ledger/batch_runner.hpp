// File: batch_runner.hpp
// The one batch driver of the ledger (contracts §6): the gateway's group-commit writer,
// `recon pull` and `recon match --apply` all write through runBatch(), which owns the
// transaction, the chain head and per-operation isolation.
//
// Common case: one transaction, no savepoints; the engine's own checks (idempotency, the
// blocking claim, transitions) decide every refusal without the database refusing anything.
// The rows the batch will read are named up front (BatchReadSet) and the backend may defer its
// writes' results to the end of the batch (PostgreSQL: one pipelined round trip for the reads,
// one for the writes, not one per statement).
// When the database does refuse something (a constraint, a trigger, a lost race) the whole
// attempt is rolled back and, for the gateway, the batch re-run operation by operation, each in
// a savepoint, so only the operation the database refuses is undone (answered `unavailable`);
// recon asks for all-or-nothing instead (OnRefusal::fail_batch). A failed COMMIT is
// not retried and every operation is answered `unavailable`: whether the batch reached the disk
// is not known (a connection lost during COMMIT may have committed it, e.g. on a PostgreSQL
// primary and its synchronous standby), so the terminal learns it by resending with its key.
#pragma once

#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/ledger_operation.hpp>
#include <claimgate/ledger/ledger_store.hpp>

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace claimgate::gateway {

struct BatchResult {
    /// False: the transaction failed; nothing of it is in the database, unless the failure was
    /// the COMMIT itself, whose outcome is not known.
    bool committed = false;
    /// True when a database refusal made the batch re-run operation by operation.
    bool isolated = false;
    /// The database's words for the first failure (for the log; never shown to terminals).
    std::string error;
};

/// What a database refusal inside the batch does.
enum class OnRefusal {
    /// Re-run the batch op by op; only the refused operation is undone (the gateway's writer:
    /// one terminal's bad request must not fail its neighbours').
    isolate_operation,
    /// Nothing of the batch is applied (recon: a page or batch goes in whole with its cursor,
    /// or not at all, and the run stops).
    fail_batch,
};

/// Work done inside the batch's transaction after its operations (a page cursor, roster rows).
/// Throwing from it fails the whole batch.
using BatchExtra = std::function<void(LedgerStore&)>;

/// Applies `operations` in one transaction; `replies` gets exactly one reply per operation, in
/// order. Never throws for database failures (they become `unavailable` replies).
BatchResult runBatch(LedgerStore& store, ClaimEngine& engine,
                     std::span<const LedgerOperation> operations, std::vector<LedgerReply>& replies,
                     const BatchExtra& extra = {},
                     OnRefusal on_refusal = OnRefusal::isolate_operation);

/// A reply saying the database failed and the outcome is not known (a failed COMMIT may
/// still have reached the disk); the terminal learns it by retrying with the same key.
[[nodiscard]] LedgerReply unavailableReply(OperationKind kind);

}  // namespace claimgate::gateway
