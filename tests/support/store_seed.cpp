#include "store_seed.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/citizen_keys.hpp>

#include <claimgate/gateway/roster_importer.hpp>

#include <sys/stat.h>

#include <random>
#include <stdexcept>

#include "gateway_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace claimgate::testing {
namespace {

std::string normalised(const std::string& citizen_id) {
    auto parsed = protocols::CitizenId::parse(citizen_id);
    if (!parsed) throw std::runtime_error("bad test citizen id: " + parsed.status().message());
    return parsed->normalised();
}

}  // namespace

std::string writePepperFile(const std::string& path) {
    std::random_device random;
    std::string pepper(32, '\0');
    for (auto& byte : pepper) byte = static_cast<char>(random() & 0xFFU);
    writeFileBytes(path, pepper);
    ::chmod(path.c_str(), 0600);
    return pepper;
}

void importThroughCli(const std::string& work_dir, const std::string& ledger,
                      const std::string& pepper_file, const std::vector<std::string>& citizen_ids) {
    const std::string cli = binDir() + "/claimgate-gateway";
    const std::string data_dir = work_dir + "/seed";
    writeFileBytes(work_dir + "/program.json",
                   programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}, {},
                               "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
    writeFileBytes(work_dir + "/roster.csv", rosterCsv(plainEntries(citizen_ids)));
    const auto put = runCommand({cli, "program", "put", "--data-dir", data_dir, "--ledger", ledger,
                                 work_dir + "/program.json"},
                                work_dir + "/put.log");
    if (put.exit_code != 0) throw std::runtime_error("program put failed: " + put.output);
    const auto import =
        runCommand({cli, "roster", "import", "--data-dir", data_dir, "--program", kProgramMain,
                    "--ledger", ledger, "--pepper-file", pepper_file, work_dir + "/roster.csv"},
                   work_dir + "/import.log");
    if (import.exit_code != 0) throw std::runtime_error("roster import failed: " + import.output);
}

void seedStore(gateway::LedgerStore& store, const std::string& pepper,
               const std::vector<std::string>& program_jsons,
               const std::map<std::string, std::vector<RosterEntry>>& rosters) {
    store.begin();
    try {
        for (const auto& text : program_jsons) {
            auto program = protocols::Program::fromJson(text);
            if (!program) {
                throw std::runtime_error("bad test program: " + program.status().message());
            }
            store.putProgram(program.value());
        }
        const protocols::CitizenKeys keys(pepper);
        for (const auto& [program, entries] : rosters) {
            for (const auto& entry : entries) {
                const std::string citizen_id = normalised(entry.citizen_id);
                std::vector<std::string> proxies;
                for (const auto& proxy : entry.proxies) proxies.push_back(normalised(proxy));
                gateway::RosterEntryFields fields;
                fields.program = program;
                fields.citizen_id = citizen_id;
                // A view into the entry itself: value_or would return a temporary.
                if (entry.nhi_card_no) fields.nhi_card_no = *entry.nhi_card_no;
                fields.amount = entry.amount;
                fields.proxies = &proxies;
                fields.claim_by = entry.claim_by;
                fields.excluded = entry.excluded;
                store.upsertRosterRow(gateway::buildRosterRow(keys, fields));
            }
        }
        store.commit();
    } catch (...) {
        store.rollback();
        throw;
    }
}

std::vector<RosterEntry> plainEntries(const std::vector<std::string>& citizen_ids) {
    std::vector<RosterEntry> entries;
    entries.reserve(citizen_ids.size());
    for (const auto& id : citizen_ids) {
        entries.push_back({id, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt});
    }
    return entries;
}

}  // namespace claimgate::testing
