#include <claimgate/ledger/ledger_outcome.hpp>

namespace claimgate::gateway {

std::string_view ledgerOutcomeName(LedgerOutcome outcome) {
    switch (outcome) {
        case LedgerOutcome::created:
            return "created";
        case LedgerOutcome::done:
            return "done";
        case LedgerOutcome::unchanged:
            return "unchanged";
        case LedgerOutcome::replayed:
            return "replayed";
        case LedgerOutcome::key_reused:
            return "key_reused";
        case LedgerOutcome::already_claimed:
            return "already_claimed";
        case LedgerOutcome::excluded:
            return "excluded";
        case LedgerOutcome::not_found:
            return "not_found";
        case LedgerOutcome::operator_mismatch:
            return "operator_mismatch";
        case LedgerOutcome::channel_mismatch:
            return "channel_mismatch";
        case LedgerOutcome::pos_required:
            return "pos_required";
        case LedgerOutcome::not_holding_terminal:
            return "not_holding_terminal";
        case LedgerOutcome::amount_mismatch:
            return "amount_mismatch";
        case LedgerOutcome::invalid_transition:
            return "invalid_transition";
        case LedgerOutcome::unavailable:
            return "unavailable";
    }
    return "unknown";  // unreachable: -Wswitch makes a new outcome a compile error above
}

}  // namespace claimgate::gateway
