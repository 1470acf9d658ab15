// `claimgate-sim roster`: writes a synthetic roster CSV (contracts §9, §11).
#include "command_line.hpp"
#include "command_registry.hpp"
#include "roster/buffered_output.hpp"
#include "roster/roster_generator.hpp"

#include <cassert>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace claimgate::simulators {
namespace {

void printRosterUsage(std::FILE* stream) {
    std::fprintf(
        stream,
        "Writes N synthetic citizens as roster CSV (header citizen_id,nhi_card_no,\n"
        "amount,proxies,claim_by). IDs have valid checksums and are unique; the output\n"
        "depends only on the options and the seed (printed to stderr). FILE is written as\n"
        "FILE.partial and renamed when complete.\n"
        "\n"
        "usage: claimgate-sim roster --count N --out FILE|- [--seed S]\n"
        "           [--nhi-fraction F] [--proxy-fraction F] [--amount-fraction F]\n"
        "           [--resident-new-fraction F] [--resident-old-fraction F]\n"
        "\n"
        "  --count N                  rows, 1..%llu (required)\n"
        "  --out FILE|-               output file, or - for stdout (required)\n"
        "  --seed S                   unsigned 64-bit seed (default: random)\n"
        "  --nhi-fraction F           rows with a 12-digit NHI card number (default 0.9)\n"
        "  --proxy-fraction F         rows with 1-2 proxies, claim_by proxy|either\n"
        "                             (default 0.05)\n"
        "  --amount-fraction F        rows with their own amount (default 0.01)\n"
        "  --resident-new-fraction F  new-format resident certificate numbers (default 0.03)\n"
        "  --resident-old-fraction F  old-format resident certificate numbers (default 0.01)\n",
        static_cast<unsigned long long>(kRosterRowsMax));
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> parseFraction(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !(value >= 0.0 && value <= 1.0)) {
        return std::nullopt;
    }
    return value;
}

int usageError(const std::string& message) {
    std::fprintf(stderr, "claimgate-sim roster: %s\n", message.c_str());
    printRosterUsage(stderr);
    return 2;
}

int runRosterCommand(int argc, char** argv) {
    RosterOptions options;
    std::optional<std::uint64_t> count, seed;
    std::string out_path;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            printRosterUsage(stdout);
            return 0;
        }
        std::string value;
        if (!takeOptionValue(argc, argv, i, flag, value)) {
            return usageError(flag + " needs a value");
        }
        if (flag == "--count") {
            count = parseUnsigned(value);
            if (!count || *count == 0 || *count > kRosterRowsMax) {
                return usageError("--count must be an integer in 1.." +
                                  std::to_string(kRosterRowsMax));
            }
        } else if (flag == "--seed") {
            seed = parseUnsigned(value);
            if (!seed) return usageError("--seed must be an unsigned 64-bit integer");
        } else if (flag == "--out") {
            out_path = value;
            if (out_path.empty()) return usageError("--out must name a file or -");
        } else {
            double* target = flag == "--nhi-fraction"            ? &options.nhi_fraction
                             : flag == "--proxy-fraction"        ? &options.proxy_fraction
                             : flag == "--amount-fraction"       ? &options.amount_fraction
                             : flag == "--resident-new-fraction" ? &options.resident_new_fraction
                             : flag == "--resident-old-fraction" ? &options.resident_old_fraction
                                                                 : nullptr;
            if (target == nullptr) return usageError("unknown option " + flag);
            const auto fraction = parseFraction(value);
            if (!fraction) return usageError(flag + " must be a number in 0..1");
            *target = *fraction;
        }
    }
    if (!count) return usageError("--count is required");
    if (out_path.empty()) return usageError("--out is required");
    if (!seed) {
        std::random_device device;
        seed = (std::uint64_t{device()} << 32) | device();
    }
    options.count = *count;
    options.seed = *seed;
    if (const auto valid = options.validate(); !valid.ok()) {
        return usageError(valid.message());
    }
    std::fprintf(stderr, "claimgate-sim roster: seed=%llu (rerun with --seed %llu to reproduce)\n",
                 static_cast<unsigned long long>(*seed), static_cast<unsigned long long>(*seed));

    const auto started = std::chrono::steady_clock::now();
    BufferedOutput output;
    if (!output.open(out_path)) {
        std::fprintf(stderr, "claimgate-sim roster: %s\n", output.error().c_str());
        return 1;
    }
    output.append(protocols::RosterCsv::header(protocols::RosterCsvColumns::basic));
    output.append("\n");
    RosterGenerator generator(options);
    RosterRow row;
    protocols::RosterCsvRow csv_row;
    std::string line;
    while (generator.next(row)) {
        RosterGenerator::toCsvRow(row, csv_row);
        line.clear();
        protocols::RosterCsv::appendRow(line, csv_row, protocols::RosterCsvColumns::basic);
        assert(line.size() <= kRosterGeneratedLineBytesMax);
        std::memcpy(output.reserve(line.size()), line.data(), line.size());
        output.advance(line.size());
    }
    if (!output.commit()) {
        std::fprintf(stderr, "claimgate-sim roster: %s\n", output.error().c_str());
        return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto& counts = generator.counts();
    std::fprintf(stderr,
                 "claimgate-sim roster: wrote %llu rows (%llu national, %llu new resident, "
                 "%llu old resident; %llu with NHI card, %llu with proxies, %llu with amount) "
                 "to %s, %llu bytes in %.2f s\n",
                 static_cast<unsigned long long>(counts.rows),
                 static_cast<unsigned long long>(counts.national),
                 static_cast<unsigned long long>(counts.resident_new),
                 static_cast<unsigned long long>(counts.resident_old),
                 static_cast<unsigned long long>(counts.with_nhi_card),
                 static_cast<unsigned long long>(counts.with_proxies),
                 static_cast<unsigned long long>(counts.with_amount),
                 out_path == "-" ? "stdout" : out_path.c_str(), output.bytesWritten(), seconds);
    return 0;
}

}  // namespace

CG_SIM_COMMAND(roster, "N synthetic citizens with valid checksums (roster CSV)", runRosterCommand);

}  // namespace claimgate::simulators
