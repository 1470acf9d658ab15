// File: match_summary.hpp
// Everything report.json and report.html say about one match run (counts and amounts by
// category, channel and operator; inputs; bad lines; resolutions).
#pragma once

#include <claimgate/recon/category.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace claimgate::recon {

struct Tally {
    std::uint64_t count = 0;
    std::int64_t amount = 0;  ///< TWD
};
using CategoryTallies = std::array<Tally, kCategoryCount>;

struct BadLine {
    std::string file;
    std::uint64_t line = 0;
    std::string reason;
};

/// Money per operator for finance (what each bank, chain or post office is reimbursed).
struct OperatorMoney {
    Tally ledger_paid;  ///< ledger claims with status paid, by the claim's operator
    /// Every settlement row: a row for a known claim counts for the claim's operator, a row for
    /// an unknown claim id for the operator that sent it. Sum of the row-carrying categories.
    Tally settled;
    Tally reimburse;  ///< the matched payments: undisputed, reimbursed now
    std::uint64_t exceptions = 0;
    [[nodiscard]] std::int64_t difference() const noexcept {
        return settled.amount - ledger_paid.amount;
    }
    [[nodiscard]] std::int64_t onHold() const noexcept { return settled.amount - reimburse.amount; }
};

/// Earliest and latest date (YYYY-MM-DD, as written in the files' times); empty if none.
struct DateRange {
    std::string first;
    std::string last;
};

struct MatchSummary {
    std::string ledger_file;
    std::vector<std::string> settlement_files;
    std::uint64_t ledger_records = 0;
    std::uint64_t settlement_records = 0;
    CategoryTallies totals{};
    /// Name -> tallies, sorted by name; channel "unknown" holds rows without a ledger claim.
    std::vector<std::pair<std::string, CategoryTallies>> by_channel;
    std::vector<std::pair<std::string, CategoryTallies>> by_operator;
    std::vector<std::pair<std::string, OperatorMoney>> money_by_operator;  ///< sorted by name
    std::vector<std::string> programs;  ///< distinct `program` values of the ledger, sorted
    DateRange business_dates;           ///< of the ledger's held_at
    DateRange settlement_dates;         ///< of the settlement rows' paid_at
    std::uint64_t exception_count = 0;
    std::uint64_t bad_line_count = 0;
    std::uint64_t bad_line_limit = 0;
    std::vector<BadLine> bad_lines;  ///< the first kBadLinesReportedMax
    std::uint64_t resolutions_paid = 0;
    std::uint64_t resolutions_voided = 0;
    bool resolutions_applied = false;
    double seconds = 0.0;
};

}  // namespace claimgate::recon
