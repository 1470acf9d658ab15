// `claimgate-recon export` and `claimgate-recon verify` (contracts §8, §11): both read the
// gateway's ledger file directly; verify also checks DIR/transfer.log (T-Road exchanges). Safe
// while a gateway runs (SQLite WAL readers never block it).
#include "commands.hpp"
#include "troad_link_options.hpp"

#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/ledger_factory.hpp>

#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/recon_csv_format.hpp>
#include <claimgate/troad/transfer_log.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace claimgate::recon {
namespace {

struct FileCloser {
    void operator()(FILE* file) const { std::fclose(file); }
};

bool takeOption(int& i, int argc, char** argv, const char* name, std::string& out) {
    if (std::strcmp(argv[i], name) != 0) return false;
    if (i + 1 >= argc) return false;
    out = argv[++i];
    return true;
}

/// CSV field: our values never hold commas or quotes except free text; quote defensively.
void writeField(std::string& line, const std::string& value) {
    if (value.find_first_of(",\"\n\r") == std::string::npos) {
        line += value;
        return;
    }
    line.push_back('"');
    for (char c : value) {
        if (c == '"') line.push_back('"');
        line.push_back(c);
    }
    line.push_back('"');
}

constexpr const char* kExportUsage =
    "Writes the ledger as the export CSV of contracts §8 (input of `claimgate-recon match`).\n"
    "\n"
    "usage: claimgate-recon export --data-dir DIR [--ledger URI] --out ledger.csv "
    "[--include-imported]\n"
    "\n"
    "  --data-dir DIR       the gateway's data dir (required)\n"
    "  --ledger URI         sqlite or postgresql://... (default sqlite: DIR/ledger.db)\n"
    "  --out FILE           the CSV to write (required)\n"
    "  --include-imported   also the payouts imported from the platform (default: left out,\n"
    "                       no terminal settles them)\n";

constexpr const char* kVerifyUsage =
    "Recomputes the ledger's hash chain and the T-Road transfer log's, and names the first\n"
    "broken link (contracts invariant 4). Exit status 0 intact, 1 broken or unreadable.\n"
    "\n"
    "usage: claimgate-recon verify --data-dir DIR [--ledger URI]\n"
    "\n"
    "  --data-dir DIR   the gateway's data dir (required)\n"
    "  --ledger URI     sqlite or postgresql://... (default sqlite: DIR/ledger.db)\n";

}  // namespace

int runExport(int argc, char** argv) {
    std::string data_dir, out_path, ledger = "sqlite";
    bool include_imported = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--include-imported") == 0) {
            include_imported = true;
            continue;
        }
        if (takeOption(i, argc, argv, "--data-dir", data_dir) ||
            takeOption(i, argc, argv, "--ledger", ledger) ||
            takeOption(i, argc, argv, "--out", out_path)) {
            continue;
        }
        const bool help = std::strcmp(argv[i], "--help") == 0;
        std::fputs(kExportUsage, help ? stdout : stderr);
        return help ? kExitOk : kExitUsage;
    }
    if (data_dir.empty() || out_path.empty()) {
        std::fputs(kExportUsage, stderr);
        return kExitUsage;
    }
    std::unique_ptr<FILE, FileCloser> out(std::fopen(out_path.c_str(), "wb"));
    if (!out) {
        std::fprintf(stderr, "claimgate-recon export: cannot write %s\n", out_path.c_str());
        return kExitFailure;
    }
    std::uint64_t rows = 0, imported = 0;
    try {
        auto opened = gateway::openLedgerStore(data_dir, ledger);
        if (!opened) throw std::runtime_error(opened.status().message());
        gateway::LedgerStore& store = *opened.value();
        std::fprintf(out.get(), "%s\n", std::string(kLedgerCsvHeader).c_str());
        // Times are written in each programme's own UTC offset (the one its opens_at is written
        // with: +08:00 for a Taiwan programme), so the date in the time is the local business
        // date that settlement files are named by (docs/reconciliation.md, "Business dates").
        std::map<std::string, int, std::less<>> offset_of_program;
        for (const auto& program : store.loadPrograms()) {
            offset_of_program[program.id] =
                protocols::rfc3339OffsetMinutes(program.opens_at).value_or(0);
        }
        std::string line;
        store.forEachClaim([&](const gateway::ClaimRecord& claim) {
            // Payouts imported by `pull` were made by the platform (direct deposit, ...): no
            // terminal settles them, so matching them would only report false exceptions.
            if (!include_imported && !protocols::isTerminalChannel(claim.channel)) {
                ++imported;
                return true;
            }
            const auto known = offset_of_program.find(claim.program);
            const int offset = known != offset_of_program.end() ? known->second : 0;
            line.clear();
            writeField(line, claim.claim_id);
            line.push_back(',');
            writeField(line, claim.program);
            line.push_back(',');
            line += protocols::toHex(claim.citizen_key);
            line.push_back(',');
            line += protocols::channelName(claim.channel);
            line.push_back(',');
            writeField(line, claim.operator_id);
            line.push_back(',');
            writeField(line, claim.terminal_id);
            line.push_back(',');
            writeField(line, claim.terminal_ref.value_or(""));
            line.push_back(',');
            line += std::to_string(claim.amount);
            line.push_back(',');
            line += protocols::claimStatusName(claim.status);
            line.push_back(',');
            line += protocols::formatRfc3339Millis(claim.held_at, offset);
            line.push_back(',');
            if (claim.paid_at) line += protocols::formatRfc3339Millis(*claim.paid_at, offset);
            line.push_back(',');
            if (claim.dispensed_at) {
                line += protocols::formatRfc3339Millis(*claim.dispensed_at, offset);
            }
            line.push_back('\n');
            std::fwrite(line.data(), 1, line.size(), out.get());
            ++rows;
            return true;
        });
    } catch (const std::exception& error) {
        std::fprintf(stderr, "claimgate-recon export: %s\n", error.what());
        return kExitFailure;
    }
    if (std::fflush(out.get()) != 0) {
        std::fprintf(stderr, "claimgate-recon export: write failed\n");
        return kExitFailure;
    }
    std::printf("exported %llu claims to %s", static_cast<unsigned long long>(rows),
                out_path.c_str());
    if (imported > 0) {
        std::printf(
            " (left out %llu payouts imported from the platform; --include-imported "
            "keeps them)",
            static_cast<unsigned long long>(imported));
    }
    std::printf("\n");
    return kExitOk;
}

int runVerify(int argc, char** argv) {
    std::string data_dir, ledger = "sqlite";
    for (int i = 1; i < argc; ++i) {
        if (takeOption(i, argc, argv, "--data-dir", data_dir) ||
            takeOption(i, argc, argv, "--ledger", ledger)) {
            continue;
        }
        const bool help = std::strcmp(argv[i], "--help") == 0;
        std::fputs(kVerifyUsage, help ? stdout : stderr);
        return help ? kExitOk : kExitUsage;
    }
    if (data_dir.empty()) {
        std::fputs(kVerifyUsage, stderr);
        return kExitUsage;
    }
    try {
        auto opened = gateway::openLedgerStore(data_dir, ledger);
        if (!opened) throw std::runtime_error(opened.status().message());
        const auto result = gateway::verifyChain(*opened.value());
        if (!result.ok) {
            std::printf("ledger claim_events: BROKEN at event %lld: %s\n",
                        static_cast<long long>(result.first_broken_seq.value_or(0)),
                        result.problem.c_str());
            return kExitFailure;
        }
        std::printf("ledger claim_events: %lld events, chain intact\n",
                    static_cast<long long>(result.events));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "claimgate-recon verify: %s\n", error.what());
        return kExitFailure;
    }
    // The T-Road transfer log exists once pull or push has run.
    const std::string log_path = transferLogPath(data_dir);
    struct stat info {};
    if (::stat(log_path.c_str(), &info) != 0) {
        std::printf("transfer log: none (%s not written yet)\n", log_path.c_str());
        return kExitOk;
    }
    const auto log = troad::TransferLog::verify(log_path);
    if (!log.ok) {
        std::printf("transfer log %s: BROKEN at record %llu: %s\n", log_path.c_str(),
                    static_cast<unsigned long long>(log.first_broken), log.reason.c_str());
        return kExitFailure;
    }
    std::printf("transfer log %s: %llu records, chain intact\n", log_path.c_str(),
                static_cast<unsigned long long>(log.records));
    return kExitOk;
}

}  // namespace claimgate::recon
