// File: category.hpp
// The outcome categories of contracts §11 (`match` rules), plus `malformed` for input lines that
// could not be read. The wire names are the contract of report.json and exceptions.csv.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace claimgate::recon {

enum class Category : std::uint8_t {
    matched = 0,
    voided,
    amount_mismatch,
    missing_in_settlement,
    missing_in_ledger,
    duplicate_in_settlement,
    in_doubt_paid,
    in_doubt_unpaid,
    malformed,
};
/// The contracts §11 categories; `malformed` is counted separately (report.json `bad_lines`).
inline constexpr std::size_t kMatchCategoryCount = 8;
inline constexpr std::size_t kCategoryCount = 9;

[[nodiscard]] std::string_view categoryName(Category category) noexcept;
[[nodiscard]] std::optional<Category> parseCategory(std::string_view name) noexcept;
/// matched and voided need no action; everything else is a row of exceptions.csv.
[[nodiscard]] constexpr bool isException(Category category) noexcept {
    return category != Category::matched && category != Category::voided;
}
/// Whether each outcome of this category is one settlement row with its amount in the tally
/// (every row is exactly one of these): matched, amount_mismatch, missing_in_ledger,
/// duplicate_in_settlement, in_doubt_paid.
[[nodiscard]] bool carriesSettlementRow(Category category) noexcept;

/// The language of the finance report (`match --lang`): Traditional Chinese by default.
enum class ReportLanguage : std::uint8_t { zh_TW, en };
[[nodiscard]] std::optional<ReportLanguage> parseReportLanguage(std::string_view name) noexcept;
[[nodiscard]] std::string_view reportLanguageTag(ReportLanguage language) noexcept;  ///< zh-TW

/// The category's name for people ("金額不符" / "amount mismatch").
[[nodiscard]] std::string_view categoryLabel(Category category, ReportLanguage language) noexcept;
/// One sentence for finance staff (report.html, docs/reconciliation.md).
[[nodiscard]] std::string_view categoryExplanation(
    Category category, ReportLanguage language = ReportLanguage::en) noexcept;
/// What finance staff should do about it.
[[nodiscard]] std::string_view categoryAction(
    Category category, ReportLanguage language = ReportLanguage::en) noexcept;
/// Order in which exceptions are grouped for people: what to act on first comes first
/// (unreadable input, then possible double payments, then differences, ...).
[[nodiscard]] int categoryReviewRank(Category category) noexcept;

}  // namespace claimgate::recon
