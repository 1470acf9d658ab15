// The rule table of contracts §11 (docs/reconciliation.md, "The categories" and "Rules in
// detail", and the in-doubt resolutions), one case per documented rule, calling the pure
// classifier directly: foldSettlementRows() picks the compared row and the duplicates,
// classifyClaim() gives category, amounts, reason and resolution.
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/claim_classifier.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace claimgate::recon {
namespace {

using protocols::ClaimStatus;

constexpr std::int64_t kLedgerAmount = 6000;
constexpr const char* kHeldAt = "2023-04-10T10:00:00+08:00";
constexpr const char* kClosedAfterHold = "2023-04-15T00:00:00+08:00";
constexpr const char* kClosedBeforeHold = "2023-04-01T00:00:00+08:00";

struct Rule {
    const char* name;
    std::optional<ClaimStatus> status;  // nullopt: the ledger does not know the claim id
    std::vector<std::int64_t> rows;     // settlement amounts, in reading order
    const char* closed_before = nullptr;
    const char* held_at = kHeldAt;
    // Expected:
    std::vector<Category> categories;  // one per judged claim (one per row for an unknown id)
    std::vector<std::int64_t> duplicates = {};
    std::vector<std::int64_t> tally_amounts = {};
    std::int64_t difference = 0;
    std::optional<ResolutionOutcome> resolution = std::nullopt;
    const char* reason_has = "";
};

std::ostream& operator<<(std::ostream& out, const Rule& rule) { return out << rule.name; }

class ClaimRuleTable : public ::testing::TestWithParam<Rule> {};

TEST_P(ClaimRuleTable, ClassifyClaimFollowsTheRule) {
    const Rule& rule = GetParam();
    ClaimFacts ledger;
    ledger.ledger_status = rule.status;
    ledger.ledger_amount = rule.status ? kLedgerAmount : 0;
    ledger.held_at = rule.held_at;
    ClassifyPolicy policy;
    if (rule.closed_before != nullptr) {
        policy.closed_before_millis = protocols::parseRfc3339Millis(rule.closed_before);
        ASSERT_TRUE(policy.closed_before_millis);
    }
    const SettlementFold fold = foldSettlementRows(ledger, rule.rows);
    EXPECT_EQ(fold.duplicate_amounts, rule.duplicates);
    ASSERT_EQ(fold.judged.size(), rule.categories.size());
    for (std::size_t i = 0; i < fold.judged.size(); ++i) {
        const ClaimVerdict verdict = classifyClaim(fold.judged[i], policy);
        EXPECT_EQ(verdict.category, rule.categories[i]) << categoryName(verdict.category);
        EXPECT_EQ(claimCategory(fold.judged[i]), verdict.category) << "cheap path agrees";
        if (!rule.tally_amounts.empty()) {
            EXPECT_EQ(verdict.tally_amount, rule.tally_amounts[i]);
        }
        EXPECT_EQ(verdict.difference, rule.difference);
        EXPECT_EQ(verdict.resolution, rule.resolution);
        EXPECT_EQ(verdict.reason.empty(), !isException(verdict.category)) << verdict.reason;
        EXPECT_NE(verdict.reason.find(rule.reason_has), std::string::npos) << verdict.reason;
    }
}

constexpr auto kPaid = ClaimStatus::paid;
constexpr auto kHeld = ClaimStatus::held;
constexpr auto kInDoubt = ClaimStatus::in_doubt;
constexpr auto kVoided = ClaimStatus::voided;

INSTANTIATE_TEST_SUITE_P(
    Contracts11, ClaimRuleTable,
    ::testing::Values(Rule{.name = "PaidSettledOnceSameAmountIsMatched",
                           .status = kPaid,
                           .rows = {6000},
                           .categories = {Category::matched},
                           .tally_amounts = {6000}},
                      Rule{.name = "PaidSettledOnceOtherAmountIsAmountMismatch",
                           .status = kPaid,
                           .rows = {5000},
                           .categories = {Category::amount_mismatch},
                           .tally_amounts = {5000},
                           .difference = -1000,
                           .reason_has = "settled 5000 TWD, the ledger says 6000 TWD"},
                      Rule{.name = "PaidNotSettledIsMissingInSettlement",
                           .status = kPaid,
                           .rows = {},
                           .categories = {Category::missing_in_settlement},
                           .tally_amounts = {6000},
                           .reason_has = "no operator's settlement file"},
                      Rule{.name = "VoidedNotSettledIsVoided",
                           .status = kVoided,
                           .rows = {},
                           .categories = {Category::voided},
                           .tally_amounts = {6000}},
                      Rule{.name = "VoidedButSettledIsMissingInLedger",
                           .status = kVoided,
                           .rows = {6000},
                           .categories = {Category::missing_in_ledger},
                           .tally_amounts = {6000},
                           .reason_has = "the ledger says voided"},
                      Rule{.name = "UnknownClaimIdIsMissingInLedgerForEachRow",
                           .status = std::nullopt,
                           .rows = {6000, 6000, 700},
                           .categories = {Category::missing_in_ledger, Category::missing_in_ledger,
                                          Category::missing_in_ledger},
                           .tally_amounts = {6000, 6000, 700},
                           .reason_has = "does not know"},
                      Rule{.name = "RowsBeyondTheFirstAreDuplicates",
                           .status = kPaid,
                           .rows = {6000, 6000, 6000},
                           .categories = {Category::matched},
                           .duplicates = {6000, 6000}},
                      Rule{.name = "PaidLaterRowWithTheLedgerAmountIsTheComparedOne",
                           .status = kPaid,
                           .rows = {5000, 6000},
                           .categories = {Category::matched},
                           .duplicates = {5000},
                           .tally_amounts = {6000}},
                      Rule{.name = "PaidNoRowWithTheLedgerAmountComparesTheFirst",
                           .status = kPaid,
                           .rows = {5000, 4000},
                           .categories = {Category::amount_mismatch},
                           .duplicates = {4000},
                           .tally_amounts = {5000},
                           .difference = -1000},
                      Rule{.name = "VoidedSettledTwiceIsMissingInLedgerAndDuplicate",
                           .status = kVoided,
                           .rows = {6000, 6000},
                           .categories = {Category::missing_in_ledger},
                           .duplicates = {6000}},
                      Rule{.name = "InDoubtSettledIsInDoubtPaidResolvedPaid",
                           .status = kInDoubt,
                           .rows = {6000},
                           .categories = {Category::in_doubt_paid},
                           .tally_amounts = {6000},
                           .resolution = ResolutionOutcome::paid,
                           .reason_has = "resolve as paid"},
                      Rule{.name = "InDoubtSettledForAnotherAmountShowsTheDifference",
                           .status = kInDoubt,
                           .rows = {5500},
                           .categories = {Category::in_doubt_paid},
                           .tally_amounts = {5500},
                           .difference = -500,
                           .resolution = ResolutionOutcome::paid,
                           .reason_has = "(settled 5500 TWD, ledger 6000 TWD)"},
                      Rule{.name = "HeldSettledIsInDoubtPaidNotResolved",
                           .status = kHeld,
                           .rows = {6000},
                           .closed_before = kClosedAfterHold,
                           .categories = {Category::in_doubt_paid},
                           .reason_has = "commit should follow"},
                      Rule{.name = "HeldNotSettledIsInDoubtUnpaidNeverVoided",
                           .status = kHeld,
                           .rows = {},
                           .closed_before = kClosedAfterHold,
                           .categories = {Category::in_doubt_unpaid},
                           .tally_amounts = {6000},
                           .reason_has = "still held"},
                      Rule{.name = "InDoubtNotSettledWithoutClosedBeforeStaysInDoubt",
                           .status = kInDoubt,
                           .rows = {},
                           .categories = {Category::in_doubt_unpaid},
                           .reason_has = "no --closed-before given"},
                      Rule{.name = "InDoubtNotSettledHeldBeforeClosedBeforeResolvesVoided",
                           .status = kInDoubt,
                           .rows = {},
                           .closed_before = kClosedAfterHold,
                           .categories = {Category::in_doubt_unpaid},
                           .resolution = ResolutionOutcome::voided,
                           .reason_has = "resolve as voided"},
                      Rule{.name = "InDoubtNotSettledHeldAfterClosedBeforeStaysOpen",
                           .status = kInDoubt,
                           .rows = {},
                           .closed_before = kClosedBeforeHold,
                           .categories = {Category::in_doubt_unpaid},
                           .reason_has = "still open"},
                      Rule{.name = "InDoubtNotSettledWithUnreadableHeldAtIsNotVoided",
                           .status = kInDoubt,
                           .rows = {},
                           .closed_before = kClosedAfterHold,
                           .held_at = "yesterday",
                           .categories = {Category::in_doubt_unpaid},
                           .reason_has = "not an RFC 3339 time"}),
    [](const ::testing::TestParamInfo<Rule>& param_info) {
        return std::string(param_info.param.name);
    });

TEST(ClaimClassifierTest, PreferAsPrimaryOnlyPromotesTheLedgerAmountOfAPaidClaim) {
    ClaimFacts facts;
    facts.ledger_status = ClaimStatus::paid;
    facts.ledger_amount = 6000;
    EXPECT_TRUE(preferAsPrimary(facts, 1)) << "the first row is always the primary one";
    facts.settlement_rows = 1;
    facts.settled_amount = 5000;
    EXPECT_TRUE(preferAsPrimary(facts, 6000));
    EXPECT_FALSE(preferAsPrimary(facts, 4000));
    facts.settled_amount = 6000;
    EXPECT_FALSE(preferAsPrimary(facts, 6000)) << "an equal later row stays the duplicate";
    facts.ledger_status = ClaimStatus::in_doubt;
    facts.settled_amount = 5000;
    EXPECT_FALSE(preferAsPrimary(facts, 6000)) << "only paid claims prefer the ledger amount";
}

}  // namespace
}  // namespace claimgate::recon
