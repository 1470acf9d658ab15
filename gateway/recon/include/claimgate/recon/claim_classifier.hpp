// File: claim_classifier.hpp
// The rule table of contracts §11 as pure functions: what a ledger claim and the settlement rows
// for its claim id come to (category, reason for finance staff, in-doubt resolution). No I/O and
// no state: the match engine streams the inputs and calls these; the unit test calls them
// directly, one case per documented rule.
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/recon/category.hpp>
#include <claimgate/recon/resolution_sink.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::recon {

/// One ledger claim and what the settlement files say about its claim id.
struct ClaimFacts {
    /// nullopt: the ledger has no claim with this id (the facts are one settlement row's).
    std::optional<protocols::ClaimStatus> ledger_status;
    std::int64_t ledger_amount = 0;
    std::string_view held_at;  ///< RFC 3339; needed only for in-doubt claims without a row
    /// Settlement rows for the claim id; the primary one (see preferAsPrimary) is compared.
    std::uint32_t settlement_rows = 0;
    std::int64_t settled_amount = 0;  ///< amount of the primary row (when settlement_rows > 0)
    /// The claim's business time (ledgerBusinessTime(): RFC 3339; for reasons only) and whether
    /// it is the terminal's dispense time rather than the gateway's paid_at.
    std::string_view business_time;
    bool business_time_dispensed = false;
    /// OPERATOR_DATE.csv of the claim's operator and business date when --manifest expects that
    /// file and it has not arrived; empty otherwise.
    std::string_view missing_settlement_file;
};

/// What the run was told beyond the files.
struct ClassifyPolicy {
    /// In-doubt claims held before this instant (Unix ms) without a settlement row resolve as
    /// voided: their settlement period is closed. Unset: nothing is ever voided.
    std::optional<std::int64_t> closed_before_millis;
};

struct ClaimVerdict {
    Category category = Category::matched;
    /// What the category tallies: the primary row's amount where a settlement row is involved,
    /// otherwise the ledger amount (contracts §11, "Amounts in the report").
    std::int64_t tally_amount = 0;
    /// Settled minus ledger amount, for amount_mismatch (and an in_doubt_paid whose amounts
    /// differ); 0 otherwise.
    std::int64_t difference = 0;
    std::optional<ResolutionOutcome> resolution;
    std::string reason;  ///< for exceptions.csv; empty for matched and voided
};

/// The category alone: cheap, for every claim. classifyClaim() gives the same category.
[[nodiscard]] Category claimCategory(const ClaimFacts& facts) noexcept;

/// The whole verdict (reason and resolution too), for the claims that are exceptions.
[[nodiscard]] ClaimVerdict classifyClaim(const ClaimFacts& facts, const ClassifyPolicy& policy);

/// Which of two settlement rows for one claim is compared with the ledger: the earlier one,
/// except that for a `paid` claim a later row with exactly the ledger's amount replaces an
/// earlier one with another amount (so {5000, 6000} against 6000 is matched + one duplicate).
[[nodiscard]] bool preferAsPrimary(const ClaimFacts& facts, std::int64_t candidate_amount) noexcept;

/// The reference fold of what the engine does row by row: every row beyond the primary one is
/// duplicate_in_settlement; rows for a claim id the ledger does not know are each judged alone
/// (each missing_in_ledger), never as duplicates.
struct SettlementFold {
    std::vector<ClaimFacts> judged;  ///< classifyClaim() inputs: the claim, or one per row
    std::vector<std::int64_t> duplicate_amounts;  ///< amounts of the duplicate rows
};
[[nodiscard]] SettlementFold foldSettlementRows(const ClaimFacts& ledger_side,
                                                std::span<const std::int64_t> row_amounts);

/// The ledger reason text of a `voided` resolution (the `paid` one names its settlement row).
inline constexpr std::string_view kVoidedResolutionReason =
    "settlement period closed (held before --closed-before) without a settlement row";

}  // namespace claimgate::recon
