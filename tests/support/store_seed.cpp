#include "store_seed.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/citizen_keys.hpp>

#include <claimgate/gateway/roster_importer.hpp>

#include <sys/stat.h>

#include <random>
#include <stdexcept>

#include "temp_dir.hpp"

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
                fields.nhi_card_no = entry.nhi_card_no.value_or("");
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
