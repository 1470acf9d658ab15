// File: ledger_outcome.hpp
// What the ledger did with one operation, as a value. The engine decides outcomes; the one
// renderer of the service layer (gateway ReplyRenderer) turns them into HTTP status, error code
// and body exactly as protocols/openapi.yaml says. The ledger never speaks HTTP.
#pragma once

#include <string_view>

namespace claimgate::gateway {

enum class LedgerOutcome {
    created,               // hold: a new claim; import: a new paid claim
    done,                  // the transition (or read, or sweep) was applied
    unchanged,             // the asked-for end state already held: idempotent, nothing written
    replayed,              // the Idempotency-Key is known: its stored reply, nothing re-evaluated
    key_reused,            // the Idempotency-Key is known for a different request
    already_claimed,       // the citizen has a blocking claim (invariant 1)
    excluded,              // the citizen has a blocking claim of an excluding program
    not_found,             // no such claim (lookup_reply: the key is not known)
    operator_mismatch,     // the claim belongs to another operator
    channel_mismatch,      // the claim was made on another channel
    pos_required,          // a kiosk slip: only a POS till pays it (claim_access.hpp)
    not_holding_terminal,  // ATM / counter claim: only the terminal that made the hold
    amount_mismatch,       // the commit's amount differs from the held amount
    invalid_transition,    // the claim's state does not allow the operation
    unavailable,           // the database failed; outcome not known (503 not_ready)
};

/// Which operation an outcome answers (the renderer's body shape depends on it).
enum class OperationKind {
    hold,
    commit,
    void_claim,
    resolve,
    sweep,
    import_payout,
    lookup_reply,
    /// GET /v1/claims/{id}: not a writer operation (the ClaimReader serves it off the writer),
    /// but rendered by the same renderer; last, so LedgerOperation's alternatives keep this
    /// enum's order.
    read_claim,
};

[[nodiscard]] std::string_view ledgerOutcomeName(LedgerOutcome outcome);

}  // namespace claimgate::gateway
