#include <claimgate/recon/category.hpp>
#include <claimgate/recon/resolution_sink.hpp>

namespace claimgate::recon {
namespace {

struct CategoryText {
    std::string_view name;
    std::string_view explanation;
    std::string_view action;
};

constexpr std::array<CategoryText, kCategoryCount> kCategories = {{
    {"matched", "Paid in the ledger and settled once by the operator for the same amount.",
     "Nothing to do."},
    {"voided", "Voided in the ledger (not paid out) and no operator reports a payment.",
     "Nothing to do."},
    {"amount_mismatch",
     "Paid in the ledger, settled once, but the operator's amount differs from the ledger's.",
     "Ask the operator for the terminal journal of this payment; recover or top up the "
     "difference."},
    {"missing_in_settlement",
     "Paid in the ledger, but no operator's settlement file has the claim.",
     "Check that every operator's file for the day was received; otherwise ask the operator "
     "(the terminal committed but the operator does not report the payment)."},
    {"missing_in_ledger",
     "An operator reports a payment the ledger does not have as paid: the claim id is unknown, "
     "or the ledger says the claim was voided.",
     "Treat as a possible double or fraudulent payment: ask the operator for the terminal "
     "journal; do not pay the operator until explained."},
    {"duplicate_in_settlement",
     "A second (or later) settlement row for the same claim: the operator reports the same "
     "payment more than once.",
     "Ask the operator to correct its file; pay the claim once."},
    {"in_doubt_paid",
     "Held or in doubt in the ledger (the terminal lost contact), but an operator reports the "
     "payment.",
     "Resolve as paid (match --apply does this for in-doubt claims, with the settlement row as "
     "evidence)."},
    {"in_doubt_unpaid",
     "Held or in doubt in the ledger, and no operator reports a payment.",
     "Once the settlement period is closed, resolve as voided (match --closed-before T --apply) "
     "so the citizen may claim again."},
    {"malformed", "An input line that could not be read (wrong field count, bad amount, ...).",
     "Fix the file (see file and line) and run match again."},
}};

}  // namespace

std::string_view categoryName(Category category) noexcept {
    return kCategories[static_cast<std::size_t>(category)].name;
}

std::optional<Category> parseCategory(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kCategoryCount; ++i) {
        if (kCategories[i].name == name) {
            return static_cast<Category>(i);
        }
    }
    return std::nullopt;
}

std::string_view categoryExplanation(Category category) noexcept {
    return kCategories[static_cast<std::size_t>(category)].explanation;
}

std::string_view categoryAction(Category category) noexcept {
    return kCategories[static_cast<std::size_t>(category)].action;
}

std::string_view resolutionOutcomeName(ResolutionOutcome outcome) noexcept {
    return outcome == ResolutionOutcome::paid ? "paid" : "voided";
}

}  // namespace claimgate::recon
