#include "load/load_roster.hpp"

#include "load/load_limits.hpp"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>

namespace claimgate::simulators {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr std::string_view kHeader = "citizen_id,nhi_card_no,amount,proxies,claim_by";

/// Splits one CSV line of the roster; its fields never contain commas or quotes.
std::vector<std::string_view> splitFields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const auto comma = line.find(',', start);
        fields.push_back(
            line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return fields;
}

}  // namespace

protocols::Result<LoadRoster> LoadRoster::readFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Status(ErrorCode::bad_field, "cannot read roster " + path);
    LoadRoster roster;
    std::string line;
    std::uint64_t line_number = 0;
    auto lineError = [&](const std::string& message) {
        return Status(ErrorCode::bad_field,
                      path + ":" + std::to_string(line_number) + ": " + message);
    };
    while (std::getline(in, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > kLoadRosterLineBytesMax) return lineError("line too long");
        if (line_number == 1) {
            if (line.rfind(kHeader, 0) != 0) {
                return lineError("expected header " + std::string(kHeader));
            }
            continue;
        }
        if (line.empty()) continue;
        if (line.find('"') != std::string::npos)
            return lineError("quoted fields are not supported");
        const auto fields = splitFields(line);
        if (fields.size() != 5) return lineError("expected 5 fields");
        if (fields[4] == "proxy") {
            ++roster.skipped_rows_;
            continue;
        }
        if (roster.citizens_.size() >= kLoadRosterRowsMax) {
            return lineError("more than " + std::to_string(kLoadRosterRowsMax) + " usable rows");
        }
        LoadCitizen citizen;
        if (fields[0].empty() || fields[0].size() >= citizen.citizen_id.size() - 1) {
            return lineError("bad citizen_id");
        }
        if (fields[1].size() >= citizen.nhi_card_no.size()) return lineError("bad nhi_card_no");
        fields[0].copy(citizen.citizen_id.data(), fields[0].size());
        fields[1].copy(citizen.nhi_card_no.data(), fields[1].size());
        if (!fields[2].empty()) {
            std::int64_t amount = 0;
            const auto [end, error] =
                std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), amount);
            if (error != std::errc() || end != fields[2].data() + fields[2].size() || amount < 0) {
                return lineError("bad amount");
            }
            citizen.amount = amount;
        }
        roster.citizens_.push_back(citizen);
    }
    if (line_number == 0) return Status(ErrorCode::bad_field, path + ": empty roster file");
    return roster;
}

std::vector<const LoadCitizen*> LoadRoster::slice(int terminal, int terminals) const {
    std::vector<const LoadCitizen*> mine;
    const auto step = static_cast<std::size_t>(terminals);
    mine.reserve(citizens_.size() / step + 1);
    for (std::size_t i = static_cast<std::size_t>(terminal); i < citizens_.size(); i += step) {
        mine.push_back(&citizens_[i]);
    }
    return mine;
}

}  // namespace claimgate::simulators
