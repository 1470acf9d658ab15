#include <claimgate/recon/claim_classifier.hpp>

#include <claimgate/protocols/time_format.hpp>

namespace claimgate::recon {

using protocols::ClaimStatus;

namespace {

std::string twdText(std::int64_t amount) { return std::to_string(amount) + " TWD"; }

/// "business date 2023-04-10 (the terminal's dispense time)".
std::string businessDateText(const ClaimFacts& facts) {
    constexpr std::size_t kDateLength = 10;  // YYYY-MM-DD
    return "business date " + std::string(facts.business_time.substr(0, kDateLength)) +
           (facts.business_time_dispensed ? " (the terminal's dispense time)"
                                          : " (the gateway's paid_at)");
}

}  // namespace

Category claimCategory(const ClaimFacts& facts) noexcept {
    const bool settled = facts.settlement_rows > 0;
    if (!facts.ledger_status) {
        return Category::missing_in_ledger;
    }
    // Exhaustive on purpose (no default): a new claim status must be given a rule here.
    switch (*facts.ledger_status) {
        case ClaimStatus::paid:
            if (!settled) {
                return Category::missing_in_settlement;
            }
            return facts.settled_amount == facts.ledger_amount ? Category::matched
                                                               : Category::amount_mismatch;
        case ClaimStatus::held:
        case ClaimStatus::in_doubt:
            return settled ? Category::in_doubt_paid : Category::in_doubt_unpaid;
        case ClaimStatus::voided:
        case ClaimStatus::none:
            return settled ? Category::missing_in_ledger : Category::voided;
    }
    return Category::malformed;  // unreachable: every status is handled above
}

ClaimVerdict classifyClaim(const ClaimFacts& facts, const ClassifyPolicy& policy) {
    ClaimVerdict verdict;
    verdict.category = claimCategory(facts);
    const bool settled = facts.settlement_rows > 0;
    verdict.tally_amount = settled ? facts.settled_amount : facts.ledger_amount;
    const bool in_doubt = facts.ledger_status == ClaimStatus::in_doubt;
    // Exhaustive on purpose (no default): a new category cannot compile without its reason.
    switch (verdict.category) {
        case Category::matched:
        case Category::voided:
            break;
        case Category::amount_mismatch:
            verdict.difference = facts.settled_amount - facts.ledger_amount;
            verdict.reason = "the operator settled " + twdText(facts.settled_amount) +
                             ", the ledger says " + twdText(facts.ledger_amount);
            break;
        case Category::missing_in_settlement:
            if (!facts.missing_settlement_file.empty()) {
                verdict.reason = "the ledger says paid on " + businessDateText(facts) +
                                 "; that day's settlement file " +
                                 std::string(facts.missing_settlement_file) +
                                 " has not arrived: wait for it";
                break;
            }
            verdict.reason = "the ledger says paid but no operator's settlement file has the claim";
            if (!facts.business_time.empty()) {
                verdict.reason += " (" + businessDateText(facts) + ")";
            }
            break;
        case Category::missing_in_ledger:
            verdict.reason =
                facts.ledger_status
                    ? "the ledger says voided but the operator reports a payment"
                    : "the operator reports a payment for a claim the ledger does not know";
            break;
        case Category::duplicate_in_settlement:
            // Judged per extra row by the caller (preferAsPrimary), never for a whole claim.
            break;
        case Category::in_doubt_paid:
            verdict.reason = in_doubt ? "in doubt in the ledger; the operator reports the payment: "
                                        "resolve as paid"
                                      : "still held in the ledger (not timed out); the operator "
                                        "reports the payment, the terminal's commit should follow";
            if (facts.settled_amount != facts.ledger_amount) {
                verdict.difference = facts.settled_amount - facts.ledger_amount;
                verdict.reason += " (settled " + twdText(facts.settled_amount) + ", ledger " +
                                  twdText(facts.ledger_amount) + ")";
            }
            if (in_doubt) {
                verdict.resolution = ResolutionOutcome::paid;
            }
            break;
        case Category::in_doubt_unpaid:
            if (!in_doubt) {
                verdict.reason = "still held in the ledger (not timed out); no settlement row yet";
                break;
            }
            verdict.reason = "in doubt in the ledger; no settlement row";
            if (!policy.closed_before_millis) {
                verdict.reason += "; stays in doubt (no --closed-before given)";
            } else if (const auto held_at = protocols::parseRfc3339Millis(facts.held_at);
                       !held_at) {
                verdict.reason += "; held_at is not an RFC 3339 time, cannot tell its period";
            } else if (*held_at < *policy.closed_before_millis) {
                verdict.reason +=
                    ": the settlement period closed without a payment, resolve as voided";
                verdict.resolution = ResolutionOutcome::voided;
            } else {
                verdict.reason +=
                    "; its settlement period is still open (held after "
                    "--closed-before)";
            }
            break;
        case Category::malformed:
            break;  // a line, not a claim: never the outcome of the rules above
    }
    return verdict;
}

bool preferAsPrimary(const ClaimFacts& facts, std::int64_t candidate_amount) noexcept {
    if (facts.settlement_rows == 0) {
        return true;
    }
    return facts.ledger_status == ClaimStatus::paid &&
           facts.settled_amount != facts.ledger_amount && candidate_amount == facts.ledger_amount;
}

SettlementFold foldSettlementRows(const ClaimFacts& ledger_side,
                                  std::span<const std::int64_t> row_amounts) {
    SettlementFold fold;
    if (!ledger_side.ledger_status) {
        for (const std::int64_t amount : row_amounts) {
            ClaimFacts row;
            row.settlement_rows = 1;
            row.settled_amount = amount;
            fold.judged.push_back(row);
        }
        return fold;
    }
    ClaimFacts facts = ledger_side;
    facts.settlement_rows = 0;
    for (const std::int64_t amount : row_amounts) {
        if (preferAsPrimary(facts, amount)) {
            if (facts.settlement_rows > 0) {
                fold.duplicate_amounts.push_back(facts.settled_amount);
            }
            facts.settled_amount = amount;
        } else {
            fold.duplicate_amounts.push_back(amount);
        }
        ++facts.settlement_rows;
    }
    fold.judged.push_back(facts);
    return fold;
}

}  // namespace claimgate::recon
