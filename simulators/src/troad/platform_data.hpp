// File: platform_data.hpp
// What the simulated payout platform serves: programs, per-program roster streams (the adds from
// the roster CSV, then updates and removals from --roster-updates or the seeded --churn rule)
// and payouts made by other channels. Loaded once at start-up, read-only afterwards, so request
// threads share it without locks.
#pragma once

#include "troad/troad_options.hpp"

#include <claimgate/protocols/status.hpp>
#include <claimgate/troad/payout_page.hpp>
#include <claimgate/troad/roster_page.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace claimgate::simulators::troad {

struct RosterRow {
    std::string op;  // add | update | remove
    std::string citizen_id;
    std::string nhi_card_no;
    std::optional<std::int64_t> amount;
    std::vector<std::string> proxies;
    std::string claim_by;  // self | proxy | either
    std::string excluded;  // reason or empty

    /// As the shared T-Road codec serves it (validated at load: op and claim_by are known).
    [[nodiscard]] claimgate::troad::RosterEntry toEntry() const;
};

struct PayoutRow {
    std::string citizen_id;
    std::string channel;
    std::int64_t amount = 0;
    std::string paid_at;
    std::string payout_id;

    /// As the shared T-Road codec serves it (validated at load: channel is a platform channel).
    [[nodiscard]] claimgate::troad::Payout toPayout() const;
};

struct PlatformData {
    nlohmann::json programs = nlohmann::json::array();  // as given in the program files
    std::vector<std::string> program_ids;
    std::map<std::string, std::vector<RosterRow>> rosters;
    std::map<std::string, std::vector<PayoutRow>> payouts;

    [[nodiscard]] bool hasProgram(const std::string& id) const;

    /// Reads every file named by the options; errors name the file and line (never an ID).
    static protocols::Result<PlatformData> load(const TroadOptions& options);
};

}  // namespace claimgate::simulators::troad
