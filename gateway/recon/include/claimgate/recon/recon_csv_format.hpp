// File: recon_csv_format.hpp
// The two input formats of `match` (contracts §8, §11): the ledger export and an operator's
// settlement file. Header lines, column positions and the per-line field checks, written once
// for the exporter, the fixture generator and the match engine's readers.
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/csv_field_splitter.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace claimgate::recon {

inline constexpr std::string_view kLedgerCsvHeader =
    "claim_id,program,citizen_key,channel,operator,terminal_id,terminal_ref,amount,status,held_at,"
    "paid_at,dispensed_at";
/// The export of releases before the terminal's dispense time (its first 11 columns): still
/// read, so an archived export can be matched again.
inline constexpr std::string_view kLedgerCsvHeaderWithoutDispense =
    kLedgerCsvHeader.substr(0, kLedgerCsvHeader.size() - std::string_view(",dispensed_at").size());
inline constexpr std::string_view kSettlementCsvHeader =
    "operator,terminal_id,terminal_ref,claim_id,amount,paid_at";

enum LedgerColumn : std::size_t {
    kLedgerClaimId = 0,
    kLedgerProgram,
    kLedgerCitizenKey,
    kLedgerChannel,
    kLedgerOperator,
    kLedgerTerminalId,
    kLedgerTerminalRef,
    kLedgerAmount,
    kLedgerStatus,
    kLedgerHeldAt,
    kLedgerPaidAt,
    kLedgerDispensedAt,
    kLedgerColumns,
};
/// Columns of a kLedgerCsvHeaderWithoutDispense file.
inline constexpr std::size_t kLedgerColumnsWithoutDispense = kLedgerDispensedAt;
enum SettlementColumn : std::size_t {
    kSettlementOperator = 0,
    kSettlementTerminalId,
    kSettlementTerminalRef,
    kSettlementClaimId,
    kSettlementAmount,
    kSettlementPaidAt,
    kSettlementColumns,
};

/// OK when `line` (the file's first line) is `expected`; otherwise an error that does not echo
/// the line (a wrong file, e.g. a roster, could carry plaintext citizen IDs).
[[nodiscard]] protocols::Status checkCsvHeader(std::string_view line, const std::string& file,
                                               std::string_view expected);

/// Why the split ledger line in `fields` (`count` fields) is malformed, or nullptr. Checks the
/// shape only (field count, lengths, citizen key); channel, status and amount are parsed by the
/// caller, which needs their values. `columns`: the file's, by its header (kLedgerColumns or
/// kLedgerColumnsWithoutDispense).
[[nodiscard]] const char* ledgerLineProblem(const CsvFieldSplitter& fields, std::size_t count,
                                            std::size_t columns = kLedgerColumns);

/// The time that gives a ledger claim its business date (the day of the settlement file its row
/// belongs in): for a paid claim the terminal's dispense time when the line has one and it is
/// plausible (protocols/dispense_time.hpp), else the gateway's paid_at; for any other claim its
/// held_at. A view into `fields`, as written (RFC 3339).
struct LedgerBusinessTime {
    std::string_view time;
    bool dispensed = false;  ///< `time` is the terminal's dispense time
};
[[nodiscard]] LedgerBusinessTime ledgerBusinessTime(const CsvFieldSplitter& fields,
                                                    std::size_t columns,
                                                    protocols::ClaimStatus status);

/// Why the split settlement line is malformed, or nullptr; sets `amount` when it is not.
[[nodiscard]] const char* settlementLineProblem(const CsvFieldSplitter& fields, std::size_t count,
                                                std::int64_t& amount);

}  // namespace claimgate::recon
