#include <claimgate/protocols/roster_csv.hpp>

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/limits.hpp>

#include <array>
#include <cassert>
#include <charconv>

namespace claimgate::protocols {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::array<std::string_view, 3> kHeaders = {
    "citizen_id,nhi_card_no,amount,proxies,claim_by",
    "citizen_id,nhi_card_no,amount,proxies,claim_by,status",
    "citizen_id,nhi_card_no,amount,proxies,claim_by,status,reason",
};
constexpr std::size_t kColumnsMax = 7;
static_assert(kExclusionReasonLengthMax <= kReasonLengthMax);
static_assert(kProxiesPerCitizenMax * 11 + 200 < kRosterLineBytesMax);

std::size_t columnCount(RosterCsvColumns columns) { return 5 + static_cast<std::size_t>(columns); }

std::string_view withoutCr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

Status fieldError(std::string_view column, std::string_view problem) {
    return Status(ErrorCode::bad_field, std::string(column) + ": " + std::string(problem));
}

/// Parses an ID into `out` (reusing its buffer). The error names the column, not the value.
Status parseIdInto(std::string_view column, std::string_view text, std::string& out) {
    auto id = CitizenId::parse(text);
    if (!id)
        return Status(ErrorCode::invalid_citizen_id,
                      std::string(column) + ": " + id.status().message());
    out.assign(id->normalised());
    return Status::okStatus();
}

}  // namespace

std::string_view rosterStatusName(RosterStatus status) noexcept {
    return status == RosterStatus::excluded ? "excluded" : "eligible";
}

std::optional<RosterStatus> parseRosterStatus(std::string_view name) noexcept {
    if (name == "eligible") return RosterStatus::eligible;
    if (name == "excluded") return RosterStatus::excluded;
    return std::nullopt;
}

ClaimBy RosterCsvRow::effectiveClaimBy() const noexcept {
    return claim_by.value_or(proxies.empty() ? ClaimBy::self : ClaimBy::either);
}

std::optional<std::string> RosterCsvRow::exclusion() const {
    if (status != RosterStatus::excluded) return std::nullopt;
    return excluded_reason;
}

std::string_view RosterCsv::header(RosterCsvColumns columns) noexcept {
    return kHeaders[static_cast<std::size_t>(columns)];
}

Result<RosterCsvColumns> RosterCsv::parseHeader(std::string_view line) {
    if (line.substr(0, kBom.size()) == kBom) line.remove_prefix(kBom.size());
    line = withoutCr(line);
    for (std::size_t i = 0; i < kHeaders.size(); ++i) {
        if (line == kHeaders[i]) return static_cast<RosterCsvColumns>(i);
    }
    return Status(ErrorCode::bad_field, std::string("header must be ") + std::string(kHeaders[0]) +
                                            " (optionally followed by ,status or ,status,reason)");
}

Status RosterCsv::validateExclusionReason(std::string_view reason) {
    if (reason.empty() || reason.size() > kExclusionReasonLengthMax) {
        return fieldError(
            "reason", "must be 1.." + std::to_string(kExclusionReasonLengthMax) + " characters");
    }
    for (const char c : reason) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return fieldError("reason", "may contain only a-z, 0-9 and _");
        }
    }
    return Status::okStatus();
}

Status RosterCsv::parseRow(std::string_view line, RosterCsvColumns columns, RosterCsvRow& row) {
    line = withoutCr(line);
    if (line.size() > kRosterLineBytesMax) {
        return fieldError("line", "longer than " + std::to_string(kRosterLineBytesMax) + " bytes");
    }
    // The roster's fields never contain commas or quotes, so CSV quoting is refused rather
    // than half-supported.
    if (line.find('"') != std::string_view::npos) {
        return fieldError("line", "quoted fields are not supported");
    }
    std::array<std::string_view, kColumnsMax> fields{};
    std::size_t count = 0;
    for (std::size_t start = 0;;) {
        const auto comma = line.find(',', start);
        if (count < fields.size()) {
            fields[count] =
                line.substr(start, comma == std::string_view::npos ? comma : comma - start);
        }
        ++count;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    const std::size_t expected = columnCount(columns);
    if (count != expected) {
        return fieldError("line", "expected " + std::to_string(expected) + " fields, found " +
                                      std::to_string(count));
    }
    if (auto status = parseIdInto("citizen_id", fields[0], row.citizen_id); !status.ok()) {
        return status;
    }
    row.nhi_card_no.assign(fields[1]);
    if (!fields[1].empty() && !validateNhiCardNumber(fields[1]).ok()) {
        return fieldError("nhi_card_no", "must be 12 digits");
    }
    row.amount = 0;
    if (!fields[2].empty()) {
        const auto* end = fields[2].data() + fields[2].size();
        const auto parsed = std::from_chars(fields[2].data(), end, row.amount);
        if (parsed.ec != std::errc() || parsed.ptr != end || row.amount <= 0 ||
            row.amount > kAmountMax) {
            return fieldError("amount", "must be an integer in 1.." + std::to_string(kAmountMax));
        }
    }
    std::size_t proxy_count = 0;
    if (!fields[3].empty()) {
        for (std::size_t start = 0;;) {
            const auto semicolon = fields[3].find(';', start);
            const auto proxy = fields[3].substr(
                start, semicolon == std::string_view::npos ? semicolon : semicolon - start);
            if (proxy_count >= kProxiesPerCitizenMax) {
                return fieldError("proxies",
                                  "at most " + std::to_string(kProxiesPerCitizenMax) + " IDs");
            }
            if (row.proxies.size() <= proxy_count) row.proxies.emplace_back();
            if (auto status = parseIdInto("proxies", proxy, row.proxies[proxy_count]);
                !status.ok()) {
                return status;
            }
            ++proxy_count;
            if (semicolon == std::string_view::npos) break;
            start = semicolon + 1;
        }
    }
    row.proxies.resize(proxy_count);
    row.claim_by.reset();
    if (!fields[4].empty()) {
        row.claim_by = parseClaimBy(fields[4]);
        if (!row.claim_by) return fieldError("claim_by", "must be self, proxy or either");
    }
    row.status = RosterStatus::eligible;
    row.excluded_reason.clear();
    if (columns != RosterCsvColumns::basic && !fields[5].empty()) {
        const auto status = parseRosterStatus(fields[5]);
        if (!status) return fieldError("status", "must be eligible or excluded");
        row.status = *status;
    }
    const std::string_view reason =
        columns == RosterCsvColumns::with_status_reason ? fields[6] : std::string_view();
    if (row.status == RosterStatus::excluded) {
        if (reason.empty()) {
            row.excluded_reason.assign(kRosterExcludedDefaultReason);
        } else if (auto valid = validateExclusionReason(reason); !valid.ok()) {
            return valid;
        } else {
            row.excluded_reason.assign(reason);
        }
    } else if (!reason.empty()) {
        return fieldError("reason", "is only allowed with status excluded");
    }
    return Status::okStatus();
}

RosterCsvColumns RosterCsv::columnsFor(const RosterCsvRow& row) noexcept {
    if (row.status != RosterStatus::excluded) return RosterCsvColumns::basic;
    return row.excluded_reason == kRosterExcludedDefaultReason
               ? RosterCsvColumns::with_status
               : RosterCsvColumns::with_status_reason;
}

void RosterCsv::appendRow(std::string& out, const RosterCsvRow& row, RosterCsvColumns columns) {
    assert((columns != RosterCsvColumns::basic || row.status == RosterStatus::eligible) &&
           "an excluded row needs the status column");
    out += row.citizen_id;
    out.push_back(',');
    out += row.nhi_card_no;
    out.push_back(',');
    if (row.amount > 0) {
        char digits[24];
        const auto written = std::to_chars(digits, digits + sizeof digits, row.amount);
        out.append(digits, written.ptr);
    }
    out.push_back(',');
    for (std::size_t i = 0; i < row.proxies.size(); ++i) {
        if (i > 0) out.push_back(';');
        out += row.proxies[i];
    }
    out.push_back(',');
    if (row.claim_by) out += claimByName(*row.claim_by);
    if (columns != RosterCsvColumns::basic) {
        out.push_back(',');
        if (row.status == RosterStatus::excluded) out += rosterStatusName(row.status);
    }
    if (columns == RosterCsvColumns::with_status_reason) {
        out.push_back(',');
        if (row.status == RosterStatus::excluded) out += row.excluded_reason;
    }
    out.push_back('\n');
}

}  // namespace claimgate::protocols
