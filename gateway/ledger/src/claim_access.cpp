#include <claimgate/ledger/claim_access.hpp>

#include <claimgate/protocols/invariant.hpp>

namespace claimgate::gateway {
namespace {

using protocols::Channel;
using protocols::ErrorCode;
using protocols::Status;
using protocols::TerminalRole;

Status authorizeKioskSlip(const ClaimRecord& claim, const TerminalIdentity& terminal,
                          ClaimAction action) {
    if (terminal.role == TerminalRole::pos) return Status::okStatus();
    const bool printed_it =
        terminal.role == TerminalRole::kiosk && terminal.terminal_id == claim.terminal_id;
    if (action == ClaimAction::void_claim && printed_it) return Status::okStatus();
    return Status(ErrorCode::pos_required,
                  action == ClaimAction::commit
                      ? "a kiosk slip is paid only at a POS till of the same operator"
                      : "a kiosk slip is voided only at a POS till or by the kiosk that "
                        "printed it");
}

}  // namespace

bool isClaimIdRef(const std::string& claim_ref) {
    return claim_ref.rfind("c_", 0) == 0 || claim_ref.rfind("p_", 0) == 0;
}

std::optional<ClaimRecord> findClaimByRef(LedgerStore& store, const std::string& operator_id,
                                          const std::string& claim_ref) {
    return isClaimIdRef(claim_ref) ? store.findClaim(claim_ref)
                                : store.findClaimByCode(operator_id, claim_ref);
}

Status authorizeClaimAction(const ClaimRecord& claim, const TerminalIdentity& terminal,
                            ClaimAction action) {
    if (claim.operator_id != terminal.operator_id) {
        // A 403 tells the caller the id exists; the failed-lookup limit makes that useless
        // for walking the id space (contracts §5).
        return Status(ErrorCode::operator_mismatch, "the claim belongs to another operator");
    }
    if (action == ClaimAction::read) return Status::okStatus();
    if (claim.channel != terminal.channel) {
        return Status(ErrorCode::channel_mismatch, "the claim was made on another channel",
                      {{"channel", protocols::channelName(claim.channel)}});
    }
    if (claim.channel == Channel::kiosk) return authorizeKioskSlip(claim, terminal, action);
    if (terminal.terminal_id != claim.terminal_id) {
        return Status(ErrorCode::not_holding_terminal,
                      "only the terminal that made the hold may commit or void it");
    }
    return Status::okStatus();
}

LedgerOutcome claimAccessOutcome(ErrorCode refusal) {
    switch (refusal) {
        case ErrorCode::operator_mismatch:
            return LedgerOutcome::operator_mismatch;
        case ErrorCode::channel_mismatch:
            return LedgerOutcome::channel_mismatch;
        case ErrorCode::pos_required:
            return LedgerOutcome::pos_required;
        case ErrorCode::not_holding_terminal:
            return LedgerOutcome::not_holding_terminal;
        default:
            break;
    }
    CG_ASSERT(false, "authorizeClaimAction refuses only with the four codes above");
    return LedgerOutcome::operator_mismatch;
}

}  // namespace claimgate::gateway
