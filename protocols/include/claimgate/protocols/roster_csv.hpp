// File: roster_csv.hpp
// The roster CSV (contracts §11), coded once: the header, one row's validation and its text
// form. `roster import`, the simulators' roster readers and the roster generator all use it, so
// a format change is made here and nowhere else. Framing of a whole file: roster_csv_reader.hpp.
//
//   citizen_id,nhi_card_no,amount,proxies,claim_by[,status[,reason]]
//   A123456789,000012345678,,B223456780;C123456780,either,excluded,paid_by_other_programme
//
// Every column but citizen_id may be empty: nhi_card_no = none; amount = the program's;
// proxies = none (`;`-separated IDs otherwise); claim_by = `self` without proxies, else
// `either`; status = `eligible`; reason (only with `excluded`) = `excluded_by_roster`.
//
// Errors use one vocabulary: ErrorCode::invalid_citizen_id for a bad citizen or proxy ID,
// ErrorCode::bad_field for everything else, the message naming the column ("amount: must be
// an integer in 1..1000000000"), never the value (it may be a real ID).
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::protocols {

/// One roster CSV line: 7 columns, of which 8 proxies are the longest part.
inline constexpr std::size_t kRosterLineBytesMax = 1024;
/// An exclusion reason ([a-z0-9_]): it is shown to terminals in `excluded` replies.
inline constexpr std::size_t kExclusionReasonLengthMax = 64;

enum class RosterStatus : std::uint8_t { eligible, excluded };

[[nodiscard]] std::string_view rosterStatusName(RosterStatus status) noexcept;
[[nodiscard]] std::optional<RosterStatus> parseRosterStatus(std::string_view name) noexcept;

/// The reason recorded when a row says `excluded` without one (documented in operations.md).
inline constexpr std::string_view kRosterExcludedDefaultReason = "excluded_by_roster";

/// Which optional trailing columns a roster file has (the header decides, once per file).
enum class RosterCsvColumns : std::uint8_t {
    basic,              // citizen_id,nhi_card_no,amount,proxies,claim_by
    with_status,        // ... ,status
    with_status_reason  // ... ,status,reason
};

/// One validated roster row, plain text: only ever held in memory on its way to a key.
struct RosterCsvRow {
    std::string citizen_id;            // normalised (upper case), checksum verified
    std::string nhi_card_no;           // 12 digits, or empty = none
    std::int64_t amount = 0;           // 0 = the program's amount, else 1..kAmountMax
    std::vector<std::string> proxies;  // normalised IDs, at most kProxiesPerCitizenMax
    std::optional<ClaimBy> claim_by;   // empty: self without proxies, else either
    RosterStatus status = RosterStatus::eligible;
    std::string excluded_reason;  // set exactly when status == excluded

    /// claim_by with the file's default applied.
    [[nodiscard]] ClaimBy effectiveClaimBy() const noexcept;
    /// The exclusion reason, or nullopt for an eligible row.
    [[nodiscard]] std::optional<std::string> exclusion() const;

    friend bool operator==(const RosterCsvRow&, const RosterCsvRow&) = default;
};

class RosterCsv {
public:
    /// The header line (without newline) for `columns`.
    [[nodiscard]] static std::string_view header(RosterCsvColumns columns) noexcept;
    /// Recognises a header line (a UTF-8 byte order mark and a trailing CR are accepted).
    /// Error: bad_field "header must be citizen_id,nhi_card_no,amount,proxies,claim_by[,...]".
    [[nodiscard]] static Result<RosterCsvColumns> parseHeader(std::string_view line);
    /// Validates one data line (no newline; a trailing CR is accepted) into `row`, which is
    /// overwritten (its buffers are reused, so a caller looping over lines does not allocate).
    /// On error `row` is unspecified.
    [[nodiscard]] static Status parseRow(std::string_view line, RosterCsvColumns columns,
                                         RosterCsvRow& row);
    /// Appends `row` as one line with '\n'. With `basic` columns an excluded row cannot be
    /// written (precondition, asserted): pick the columns from the rows you write.
    static void appendRow(std::string& out, const RosterCsvRow& row, RosterCsvColumns columns);
    /// The columns a writer needs for `row` (basic unless it is excluded).
    [[nodiscard]] static RosterCsvColumns columnsFor(const RosterCsvRow& row) noexcept;
    /// Checks an exclusion reason: 1..64 characters of [a-z0-9_] (it reaches terminals'
    /// screens and reply bodies, so it must never carry an ID or free text).
    [[nodiscard]] static Status validateExclusionReason(std::string_view reason);
};

}  // namespace claimgate::protocols
