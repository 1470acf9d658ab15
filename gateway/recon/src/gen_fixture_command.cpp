// claimgate-recon gen-fixture: deterministic ledger export + settlement files.
#include "commands.hpp"

#include <claimgate/recon/fixture_generator.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace claimgate::recon {
namespace {

constexpr const char* kUsage =
    "Writes DIR/ledger.csv (N claims) and DIR/settlement/<OPERATOR>_<YYYY-MM-DD>.csv (one per\n"
    "operator and business day, rows shuffled): mostly matched, some voided, in doubt with and\n"
    "without settlement rows, amount mismatches, duplicates and unknown claim ids, six operators\n"
    "over atm / kiosk / counter. Same N, S and D give byte-identical files.\n"
    "\n"
    "usage: claimgate-recon gen-fixture --claims N --seed S --out DIR [--days D]\n"
    "\n"
    "  --claims N   ledger claims to write (required)\n"
    "  --seed S     seed of every random choice (required)\n"
    "  --out DIR    where the files go (required)\n"
    "  --days D     business days the claims spread over (default 7)\n";

bool parseNumber(const char* text, std::uint64_t& value) {
    char* end = nullptr;
    value = std::strtoull(text, &end, 10);
    return end != text && *end == '\0';
}

}  // namespace

int runGenFixture(int argc, char** argv) {
    FixtureOptions options;
    bool have_claims = false;
    bool have_seed = false;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        const bool has_value = i + 1 < argc;
        std::uint64_t number = 0;
        if (argument == "--help" || argument == "-h") {
            std::fputs(kUsage, stdout);
            return kExitOk;
        }
        if (argument == "--claims" && has_value && parseNumber(argv[i + 1], number)) {
            options.claims = number;
            have_claims = true;
            ++i;
        } else if (argument == "--seed" && has_value && parseNumber(argv[i + 1], number)) {
            options.seed = number;
            have_seed = true;
            ++i;
        } else if (argument == "--days" && has_value && parseNumber(argv[i + 1], number) &&
                   number <= 366) {
            options.days = static_cast<std::uint32_t>(number);
            ++i;
        } else if (argument == "--out" && has_value) {
            options.out_dir = argv[++i];
        } else {
            std::fprintf(stderr, "claimgate-recon gen-fixture: bad option '%s'\n\n%s",
                         argument.c_str(), kUsage);
            return kExitUsage;
        }
    }
    if (!have_claims || !have_seed || options.out_dir.empty()) {
        std::fprintf(stderr,
                     "claimgate-recon gen-fixture: --claims, --seed and --out are "
                     "required\n\n%s",
                     kUsage);
        return kExitUsage;
    }
    const auto started = std::chrono::steady_clock::now();
    auto stats = FixtureGenerator(options).run();
    if (!stats.ok()) {
        std::fprintf(stderr, "claimgate-recon gen-fixture: %s\n", stats.status().message().c_str());
        return kExitFailure;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf(
        "{\"seed\": %llu, \"claims\": %llu, \"days\": %u, \"ledger_rows\": %llu, "
        "\"settlement_rows\": %llu, \"settlement_files\": %llu, \"bytes\": %llu, "
        "\"seconds\": %.1f}\n",
        static_cast<unsigned long long>(options.seed),
        static_cast<unsigned long long>(options.claims), options.days,
        static_cast<unsigned long long>(stats->ledger_rows),
        static_cast<unsigned long long>(stats->settlement_rows),
        static_cast<unsigned long long>(stats->settlement_files),
        static_cast<unsigned long long>(stats->bytes), seconds);
    return kExitOk;
}

}  // namespace claimgate::recon
