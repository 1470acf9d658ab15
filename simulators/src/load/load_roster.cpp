#include "load/load_roster.hpp"

#include "load/load_limits.hpp"

#include <claimgate/protocols/roster_csv_reader.hpp>

namespace claimgate::simulators {

protocols::Result<LoadRoster> LoadRoster::readFile(const std::string& path) {
    auto reader = protocols::RosterCsvReader::open(path);
    if (!reader) return reader.status();
    LoadRoster roster;
    protocols::RosterCsvRow row;
    for (;;) {
        auto more = reader.value().next(row);
        if (!more) return more.status();
        if (!*more) break;
        // A load terminal presents the citizen's own NHI card: rows only a proxy may claim,
        // and excluded rows, would only measure refusals.
        if (row.effectiveClaimBy() == protocols::ClaimBy::proxy ||
            row.status == protocols::RosterStatus::excluded) {
            ++roster.skipped_rows_;
            continue;
        }
        if (roster.citizens_.size() >= kLoadRosterRowsMax) {
            return protocols::Status(
                protocols::ErrorCode::bad_field,
                path + ": more than " + std::to_string(kLoadRosterRowsMax) + " usable rows");
        }
        LoadCitizen citizen;
        // The codec validated both: an ID is at most 10 characters, an NHI number 12 digits.
        row.citizen_id.copy(citizen.citizen_id.data(), citizen.citizen_id.size() - 1);
        row.nhi_card_no.copy(citizen.nhi_card_no.data(), citizen.nhi_card_no.size() - 1);
        if (row.amount > 0) citizen.amount = row.amount;
        roster.citizens_.push_back(citizen);
    }
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
