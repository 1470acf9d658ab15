// File: claim_access.hpp
// Who may do what with an existing claim (contracts §3, invariant 6), as one rule shared by the
// ledger writer (commit, void) and the claim reader (GET):
//   - a claim belongs to its operator: anyone else gets operator_mismatch;
//   - ATM and counter claims are committed and voided only by the terminal that made the hold
//     (not_holding_terminal);
//   - a kiosk slip is paid only by a POS till of the same operator (pos_required); the slip
//     may be voided by a POS or by the kiosk that printed it, which is how a kiosk releases a
//     slip it could not print or whose hold it never heard back about.
#pragma once

#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/ledger/ledger_operation.hpp>
#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/status.hpp>

#include <optional>
#include <string>

namespace claimgate::gateway {

enum class ClaimAction { read, commit, void_claim };

/// Whether `claim_ref` is a claim id (`c_...`, imported payouts `p_...`) rather than a slip code.
[[nodiscard]] bool isClaimIdRef(const std::string& claim_ref);

/// The claim `claim_ref` names: a claim id (`c_...`, imported payouts `p_...`) or, otherwise,
/// a kiosk slip code looked up within `operator_id`.
[[nodiscard]] std::optional<ClaimRecord> findClaimByRef(LedgerStore& store,
                                                        const std::string& operator_id,
                                                        const std::string& claim_ref);

/// ok, or the 403 refusal for `terminal` doing `action` to `claim`.
[[nodiscard]] protocols::Status authorizeClaimAction(const ClaimRecord& claim,
                                                     const TerminalIdentity& terminal,
                                                     ClaimAction action);

/// The ledger outcome of a refusal of authorizeClaimAction() (the reply renderer words it).
[[nodiscard]] LedgerOutcome claimAccessOutcome(protocols::ErrorCode refusal);

}  // namespace claimgate::gateway
