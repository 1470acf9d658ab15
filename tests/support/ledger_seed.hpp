// File: ledger_seed.hpp
// Seeds a gateway data dir (ledger.db + pepper) with programs and rosters through the same
// store and HMACs the gateway uses, and the standard test data set the gateway tests share.
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/program.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace claimgate::testing {

/// One roster entry in plaintext, as a test writes it (the seed HMACs it).
struct RosterEntry {
    std::string citizen_id;
    std::optional<std::string> nhi_card_no;
    std::int64_t amount = 0;  // 0 = program amount
    std::vector<std::string> proxies;
    protocols::ClaimBy claim_by = protocols::ClaimBy::self;
    std::optional<std::string> excluded;
};

/// The citizens of the standard data set (plaintext IDs, all valid unless said otherwise).
struct StandardCitizens {
    std::string plain;  // no NHI, claim_by self: every channel may serve
    std::string plain2;
    std::string with_nhi;  // roster carries nhi: ATM and kiosk must match it
    std::string nhi;
    std::string child_proxy;     // claim_by proxy, proxy = parent
    std::string child_either;    // claim_by either, proxy = parent
    std::string parent;          // also on the roster himself
    std::string stranger_proxy;  // valid ID, not registered as anybody's proxy
    std::string excluded;        // roster entry excluded: paid_by_direct_deposit
    std::string custom_amount;   // roster amount 3000
    std::string not_on_roster;
    std::vector<std::string> bulk;  // N plain entries (for races)
};

inline constexpr const char* kProgramMain = "CASH2023";       // 6000, all channels
inline constexpr const char* kProgramAtmOnly = "ATMONLY";     // 500, atm only
inline constexpr const char* kProgramExcluding = "EXCL2023";  // 1000, excludes CASH2023
/// 2023-06-01T12:00:00+08:00: inside every standard program's window.
inline constexpr std::int64_t kStandardNowMillis = 1685592000000;

/// A program JSON in the contracts §11 file format.
[[nodiscard]] std::string programJson(const std::string& id, std::int64_t amount,
                                      const std::vector<std::string>& channels,
                                      const std::vector<std::string>& excludes = {},
                                      const std::string& opens_at = "2023-04-10T00:00:00+08:00",
                                      const std::string& closes_at = "2023-12-31T23:59:59+08:00");

/// Writes programs and rosters into `data_dir` (created if missing). Throws on failure.
void seedLedger(const std::string& data_dir, const std::vector<std::string>& program_jsons,
                const std::map<std::string, std::vector<RosterEntry>>& rosters);

/// Builds the standard data set with `bulk_count` extra plain citizens.
[[nodiscard]] StandardCitizens standardCitizens(std::size_t bulk_count);
/// Seeds the standard programs and rosters for `citizens`.
void seedStandardLedger(const std::string& data_dir, const StandardCitizens& citizens);

/// The same roster as CSV (contracts §11 columns), for the CLI importer; excluded rows are left
/// out because the CSV has no column for them.
[[nodiscard]] std::string rosterCsv(const std::vector<RosterEntry>& entries);

}  // namespace claimgate::testing
