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
/// One sentence for finance staff (report.html, docs/reconciliation.md).
[[nodiscard]] std::string_view categoryExplanation(Category category) noexcept;
/// What finance staff should do about it.
[[nodiscard]] std::string_view categoryAction(Category category) noexcept;

}  // namespace claimgate::recon
