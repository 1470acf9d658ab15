#include <claimgate/recon/recon_csv_format.hpp>

#include <claimgate/protocols/dispense_time.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <algorithm>
#include <array>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Status;

namespace {

constexpr std::size_t kCitizenKeyHexLength = 64;  // hex of HMAC-SHA256

constexpr std::array<bool, 256> kHexDigit = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view("0123456789abcdefABCDEF")) {
        table[static_cast<unsigned char>(c)] = true;
    }
    return table;
}();

bool isHex(std::string_view text) noexcept {
    bool all = true;
    for (const char c : text) {
        all &= kHexDigit[static_cast<unsigned char>(c)];  // no early exit: branch-free loop
    }
    return all;
}

}  // namespace

Status checkCsvHeader(std::string_view line, const std::string& file, std::string_view expected) {
    const std::string_view header = normaliseHeader(line);
    if (header == expected) {
        return Status::okStatus();
    }
    const auto fields = static_cast<std::size_t>(std::count(header.begin(), header.end(), ',')) + 1;
    return Status(ErrorCode::bad_field,
                  file + ":1: header missing or wrong: expected `" + std::string(expected) +
                      "`, found a line with " + std::to_string(fields) + " field(s) that differs",
                  {{"file", file}, {"line", 1}});
}

const char* ledgerLineProblem(const CsvFieldSplitter& fields, std::size_t count,
                              std::size_t columns) {
    if (count != columns) {
        return columns == kLedgerColumns
                   ? "expected 12 fields (claim_id,program,citizen_key,channel,operator,"
                     "terminal_id,terminal_ref,amount,status,held_at,paid_at,dispensed_at)"
                   : "expected 11 fields (claim_id,program,citizen_key,channel,operator,"
                     "terminal_id,terminal_ref,amount,status,held_at,paid_at)";
    }
    const std::string_view claim_id = fields.field(kLedgerClaimId);
    if (claim_id.empty()) {
        return "claim_id is empty";
    }
    if (claim_id.size() > kClaimIdLengthMax) {
        return "claim_id is longer than 64 bytes";
    }
    const std::string_view key = fields.field(kLedgerCitizenKey);
    if (key.size() != kCitizenKeyHexLength || !isHex(key)) {
        return "citizen_key is not a 64-character hex HMAC (a plaintext ID must never be "
               "exported)";
    }
    const std::string_view op = fields.field(kLedgerOperator);
    if (op.empty() || op.size() > kOperatorLengthMax) {
        return "operator is empty or longer than 32 bytes";
    }
    if (fields.field(kLedgerTerminalId).size() > kTerminalIdLengthMax) {
        return "terminal_id is longer than 64 bytes";
    }
    return nullptr;
}

LedgerBusinessTime ledgerBusinessTime(const CsvFieldSplitter& fields, std::size_t columns,
                                      protocols::ClaimStatus status) {
    const std::string_view held_at = fields.field(kLedgerHeldAt);
    if (status != protocols::ClaimStatus::paid) {
        return {held_at, false};
    }
    const std::string_view paid_at = fields.field(kLedgerPaidAt);
    if (columns > kLedgerDispensedAt && !fields.field(kLedgerDispensedAt).empty()) {
        const std::string_view dispensed_at = fields.field(kLedgerDispensedAt);
        const auto dispensed = protocols::parseRfc3339Millis(dispensed_at);
        const auto held = protocols::parseRfc3339Millis(held_at);
        const auto paid = protocols::parseRfc3339Millis(paid_at);
        if (dispensed && held && paid &&
            protocols::paidBusinessTime(*held, *paid, dispensed) == *dispensed) {
            return {dispensed_at, true};
        }
    }
    return {paid_at.empty() ? held_at : paid_at, false};
}

const char* settlementLineProblem(const CsvFieldSplitter& fields, std::size_t count,
                                  std::int64_t& amount) {
    if (count != kSettlementColumns) {
        return "expected 6 fields (operator,terminal_id,terminal_ref,claim_id,amount,paid_at)";
    }
    const std::string_view claim_id = fields.field(kSettlementClaimId);
    if (claim_id.empty()) {
        return "claim_id is empty";
    }
    if (claim_id.size() > kClaimIdLengthMax) {
        return "claim_id is longer than 64 bytes";
    }
    const std::string_view op = fields.field(kSettlementOperator);
    if (op.empty() || op.size() > kOperatorLengthMax) {
        return "operator is empty or longer than 32 bytes";
    }
    if (fields.field(kSettlementTerminalId).size() > kTerminalIdLengthMax) {
        return "terminal_id is longer than 64 bytes";
    }
    if (!parseAmount(fields.field(kSettlementAmount), amount)) {
        return "amount is not a whole number of TWD from 0 to 1000000000";
    }
    return nullptr;
}

}  // namespace claimgate::recon
