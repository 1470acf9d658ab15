// File: roster_page.hpp
// One page of a program's roster as the platform sends it (GET .../rosters/{program}):
//
//   {"program": "CASH2023", "cursor": "", "next_cursor": "500", "done": false,
//    "entries": [{"op": "add", "citizen_id": "A123456789", "nhi_card_no": "000012345678",
//                 "amount": 6000, "proxies": ["B223456780"], "claim_by": "either",
//                 "excluded": "paid_by_direct_deposit"}]}
//
// Citizen IDs arrive in plain text (T-Road is the trusted link between agencies); recon turns
// them into citizen keys before anything touches the disk. Never log an entry.
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::troad {

enum class RosterOp : std::uint8_t { add, update, remove };

[[nodiscard]] std::string_view rosterOpName(RosterOp op) noexcept;

struct RosterEntry {
    RosterOp op = RosterOp::add;
    std::string citizen_id;              // normalised (upper case), checksum verified
    std::string nhi_card_no;             // empty when the roster has none
    std::optional<std::int64_t> amount;  // empty = the program's amount
    std::vector<std::string> proxies;    // normalised IDs
    std::optional<protocols::ClaimBy> claim_by;
    std::optional<std::string> excluded;  // reason, e.g. "paid_by_direct_deposit"
};

struct RosterPage {
    std::string program;
    std::string cursor;
    std::string next_cursor;
    bool done = false;
    std::vector<RosterEntry> entries;

    /// Decodes and validates a page: IDs by checksum, amounts and counts by their limits. Errors
    /// name the entry index and field, never the ID. Errors: malformed_json, missing_field,
    /// bad_field, invalid_citizen_id.
    static protocols::Result<RosterPage> fromJson(std::string_view body);
    /// The page as the platform sends it (the T-Road simulator serves this; fromJson() reads
    /// it back). A `remove` entry carries only op and citizen_id.
    [[nodiscard]] std::string toJson() const;
};

}  // namespace claimgate::troad
