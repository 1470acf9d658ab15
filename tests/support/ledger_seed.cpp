#include "ledger_seed.hpp"

#include "store_seed.hpp"
#include "test_citizens.hpp"

#include <claimgate/protocols/roster_csv.hpp>

#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace claimgate::testing {

std::string programJson(const std::string& id, std::int64_t amount,
                        const std::vector<std::string>& channels,
                        const std::vector<std::string>& excludes, const std::string& opens_at,
                        const std::string& closes_at) {
    return nlohmann::json{{"id", id},
                          {"name", "test program " + id},
                          {"amount", amount},
                          {"currency", "TWD"},
                          {"channels", channels},
                          {"opens_at", opens_at},
                          {"closes_at", closes_at},
                          {"hold_ttl_s", 120},
                          {"kiosk_hold_ttl_s", 1800},
                          {"excludes", excludes}}
        .dump();
}

void seedLedger(const std::string& data_dir, const std::vector<std::string>& program_jsons,
                const std::map<std::string, std::vector<RosterEntry>>& rosters) {
    gateway::DataDir dir(data_dir);
    if (auto made = dir.ensureExists(); !made.ok()) throw std::runtime_error(made.message());
    auto pepper = dir.loadOrCreatePepper(std::nullopt);
    if (!pepper) throw std::runtime_error(pepper.status().message());
    gateway::SqliteLedgerStore store(dir.ledgerPath());
    seedStore(store, pepper.value(), program_jsons, rosters);
}

StandardCitizens standardCitizens(std::size_t bulk_count) {
    StandardCitizens c;
    c.plain = nationalId(1000001);
    c.plain2 = nationalId(1000002);
    c.with_nhi = nationalId(1000003, 'B', '2');
    c.nhi = nhiCardNumber(1000003);
    c.child_proxy = nationalId(1000004, 'C');
    c.child_either = nationalId(1000005, 'D', '2');
    c.parent = nationalId(1000006, 'E');
    c.stranger_proxy = nationalId(1000007, 'F', '2');
    c.excluded = nationalId(1000008, 'G');
    c.custom_amount = nationalId(1000009, 'H', '2');
    c.not_on_roster = nationalId(1000010, 'J');
    c.bulk.reserve(bulk_count);
    for (std::size_t i = 0; i < bulk_count; ++i) {
        c.bulk.push_back(nationalId(static_cast<std::uint32_t>(2000000 + i), 'K'));
    }
    return c;
}

void seedStandardLedger(const std::string& data_dir, const StandardCitizens& c) {
    std::vector<RosterEntry> main;
    main.push_back({c.plain, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt});
    main.push_back({c.plain2, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt});
    main.push_back({c.with_nhi, c.nhi, 0, {}, protocols::ClaimBy::self, std::nullopt});
    main.push_back(
        {c.child_proxy, std::nullopt, 0, {c.parent}, protocols::ClaimBy::proxy, std::nullopt});
    main.push_back(
        {c.child_either, std::nullopt, 0, {c.parent}, protocols::ClaimBy::either, std::nullopt});
    main.push_back({c.parent, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt});
    main.push_back({c.excluded,
                    std::nullopt,
                    0,
                    {},
                    protocols::ClaimBy::self,
                    std::string("paid_by_direct_deposit")});
    main.push_back(
        {c.custom_amount, std::nullopt, 3000, {}, protocols::ClaimBy::self, std::nullopt});
    for (const auto& id : c.bulk) {
        main.push_back({id, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt});
    }
    std::vector<RosterEntry> excluding = {
        {c.plain, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt},
        {c.plain2, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt}};
    std::vector<RosterEntry> atm_only = {
        {c.plain, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt}};
    seedLedger(data_dir,
               {programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}),
                programJson(kProgramAtmOnly, 500, {"atm"}),
                programJson(kProgramExcluding, 1000, {"atm", "kiosk", "counter"}, {kProgramMain})},
               {{kProgramMain, main}, {kProgramExcluding, excluding}, {kProgramAtmOnly, atm_only}});
}

std::string rosterCsv(const std::vector<RosterEntry>& entries) {
    // Excluded entries are left out: the simulators that read this file use every row.
    std::string csv(protocols::RosterCsv::header(protocols::RosterCsvColumns::basic));
    csv += '\n';
    protocols::RosterCsvRow row;
    for (const auto& entry : entries) {
        if (entry.excluded) continue;
        row.citizen_id = entry.citizen_id;
        row.nhi_card_no = entry.nhi_card_no.value_or("");
        row.amount = entry.amount;
        row.proxies = entry.proxies;
        row.claim_by = entry.claim_by;
        protocols::RosterCsv::appendRow(csv, row, protocols::RosterCsvColumns::basic);
    }
    return csv;
}

}  // namespace claimgate::testing
