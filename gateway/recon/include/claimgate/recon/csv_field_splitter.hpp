// File: csv_field_splitter.hpp
// Splits one CSV line into fields without allocating. Lines without a double quote (every line
// claimgate writes) are split in place; RFC 4180 quoted fields ("a,b", "say ""hi""") are
// unescaped into a fixed scratch buffer owned by the splitter. Quoted fields may not contain a
// line break (one record = one line, so line numbers in errors stay exact).
#pragma once

#include <claimgate/recon/limits.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace claimgate::recon {

/// Not thread-safe; views returned stay valid until the next split().
class CsvFieldSplitter {
public:
    /// Splits `line` (no line ending); returns the number of fields, or 0 and sets error().
    /// More than kCsvFieldsMax fields is an error.
    [[nodiscard]] std::size_t split(std::string_view line);
    [[nodiscard]] std::string_view field(std::size_t index) const noexcept {
        return fields_[index];
    }
    [[nodiscard]] std::string_view error() const noexcept { return error_; }

private:
    std::size_t splitQuoted(std::string_view line);

    std::array<std::string_view, kCsvFieldsMax> fields_{};
    std::array<char, kCsvLineBytesMax> scratch_{};
    std::string_view error_;
};

/// Strips a UTF-8 byte-order mark and a trailing CR (header lines from spreadsheets).
[[nodiscard]] std::string_view normaliseHeader(std::string_view line) noexcept;

/// Parses a non-negative decimal amount without sign, spaces or fraction; false if invalid or
/// above protocols::kAmountMax.
[[nodiscard]] bool parseAmount(std::string_view text, std::int64_t& amount) noexcept;

/// Appends `field` to `out` as one CSV field: quoted when it holds a comma, quote or line
/// break; a leading = + - @ gets a ' so spreadsheets do not run it as a formula.
void appendCsvField(std::string& out, std::string_view field);

}  // namespace claimgate::recon
