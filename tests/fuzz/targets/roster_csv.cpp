// Fuzz target: the roster CSV import (`claimgate-gateway roster import`, contracts §9) into a
// real SQLite ledger in a scratch directory. Properties: no crash; when the import succeeds,
// every non-empty data line is either imported or rejected (line accounting); no problem text
// echoes a valid citizen ID (invariant 5: no plaintext ID in any log).
#include "fuzz_support.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/program.hpp>

#include <claimgate/gateway/roster_importer.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <memory>

using namespace claimgate;

namespace {

constexpr const char* kProgram =
    R"({"id":"FUZZ","name":"fuzz","amount":6000,"currency":"TWD","channels":["atm"],)"
    R"("opens_at":"2023-01-01T00:00:00Z","closes_at":"2099-01-01T00:00:00Z","hold_ttl_s":120,)"
    R"("kiosk_hold_ttl_s":1800,"excludes":[]})";

gateway::LedgerStore& store() {
    static const std::unique_ptr<gateway::LedgerStore> instance = [] {
        auto opened =
            std::make_unique<gateway::SqliteLedgerStore>(fuzz::scratchDir() + "/ledger.db");
        auto program = protocols::Program::fromJson(kProgram);
        CG_ASSERT(program.ok(), "the fuzz program file is valid");
        opened->begin();
        opened->putProgram(*program);
        opened->commit();
        return opened;
    }();
    return *instance;
}

bool echoesCitizenId(const std::string& text) {
    for (std::size_t i = 0; i + 10 <= text.size(); ++i) {
        if (protocols::CitizenId::parse(std::string_view(text).substr(i, 10)).ok()) return true;
    }
    return false;
}

std::uint64_t dataLines(std::string_view csv) {
    std::uint64_t lines = 0;
    bool first = true;
    while (!csv.empty()) {
        const std::size_t end = csv.find('\n');
        std::string_view line = csv.substr(0, end);
        csv.remove_prefix(end == std::string_view::npos ? csv.size() : end + 1);
        while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!first && !line.empty()) ++lines;
        first = false;
    }
    return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view csv(reinterpret_cast<const char*>(data), size);
    const std::string path = fuzz::writeScratchFile("roster.csv", csv);
    gateway::RosterImporter importer(store(), std::string(32, 'p'));
    gateway::RosterImportOptions options;
    options.threads = 1;  // one thread: a finding replays the same way
    auto summary = importer.importFile("FUZZ", path, options, 0, {});
    if (summary.ok()) {
        for (const auto& problem : summary->problems) {
            CG_ASSERT(!echoesCitizenId(problem), "a roster problem never names a citizen ID");
        }
        if (csv.find('\0') == std::string_view::npos) {
            CG_ASSERT(summary->rows_imported + summary->lines_rejected == dataLines(csv),
                      "every roster data line is imported or rejected");
        }
    } else {
        CG_ASSERT(!echoesCitizenId(summary.status().message()),
                  "a roster import error never names a citizen ID");
    }
    return 0;
}
