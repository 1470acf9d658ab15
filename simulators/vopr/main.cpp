// claimgate-vopr (run as `claimgate-sim vopr`): the deterministic simulation of docs/testing.md.
//   claimgate-sim vopr --seed 42 --steps 400            one run; prints its digest
//   claimgate-sim vopr --seeds 1-2000 --steps 200       many runs (CI); prints each failing seed's
//                                                       replay command, exits 1 if any failed
#include "simulation.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

constexpr const char* kUsage =
    "usage: claimgate-sim vopr (--seed S | --seeds A-B) [--steps N] [--terminals T]\n"
    "                          [--citizens C] [--dir D] [--verbose]\n"
    "  --seed S        one run of seed S; prints the run's digest (same seed, same digest)\n"
    "  --seeds A-B     every seed from A to B; prints the replay command of each failure\n"
    "  --steps N       simulated steps per run (default 400, 1..1000000)\n"
    "  --terminals T   simulated ATMs, each with its own SDK journal (default 6, 1..64)\n"
    "  --citizens C    roster size; few citizens means contention (default 8, 1..10000)\n"
    "  --dir D         scratch directory (default /dev/shm when writable, else $TMPDIR or /tmp)\n"
    "  --verbose       print the trace of every step\n";

bool parseNumber(std::string_view text, std::uint64_t low, std::uint64_t high, std::uint64_t& out) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
        return false;
    }
    out = value;
    return true;
}

std::string defaultDir() {
    if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::string replayCommand(const claimgate::vopr::SimulationOptions& options) {
    return "claimgate-sim vopr --seed " + std::to_string(options.seed) + " --steps " +
           std::to_string(options.steps) + " --terminals " + std::to_string(options.terminals) +
           " --citizens " + std::to_string(options.citizens);
}

}  // namespace

int main(int argc, char** argv) {
    claimgate::vopr::SimulationOptions options;
    options.work_dir = defaultDir();
    std::uint64_t first = 0, last = 0;
    bool have_seed = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        const bool has_value = i + 1 < argc;
        const std::string_view value = has_value ? argv[i + 1] : "";
        std::uint64_t number = 0;
        bool ok = has_value;
        if (flag == "--help" || flag == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (flag == "--verbose") {
            options.verbose = true;
            continue;
        } else if (flag == "--seed") {
            ok = ok && parseNumber(value, 0, UINT64_MAX, first);
            last = first;
            have_seed = true;
        } else if (flag == "--seeds") {
            const std::size_t dash = value.find('-');
            ok = ok && dash != std::string_view::npos &&
                 parseNumber(value.substr(0, dash), 0, UINT64_MAX, first) &&
                 parseNumber(value.substr(dash + 1), first, UINT64_MAX, last);
            have_seed = true;
        } else if (flag == "--steps") {
            ok = ok && parseNumber(value, 1, 1'000'000, options.steps);
        } else if (flag == "--terminals") {
            ok = ok && parseNumber(value, 1, 64, number);
            options.terminals = static_cast<std::size_t>(number);
        } else if (flag == "--citizens") {
            ok = ok && parseNumber(value, 1, 10'000, number);
            options.citizens = static_cast<std::size_t>(number);
        } else if (flag == "--dir") {
            options.work_dir = std::string(value);
        } else {
            ok = false;
        }
        if (!ok) {
            std::fprintf(stderr, "claimgate-sim vopr: bad or missing value for %s\n%s", argv[i],
                         kUsage);
            return 2;
        }
        ++i;
    }
    if (!have_seed) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::uint64_t failures = 0, runs = 0;
    for (std::uint64_t seed = first;; ++seed) {
        options.seed = seed;
        claimgate::vopr::SimulationResult result;
        try {
            result = claimgate::vopr::runSimulation(options);
        } catch (const std::exception& error) {
            result.ok = false;
            result.failure = std::string("simulation error: ") + error.what();
        }
        ++runs;
        if (!result.ok) {
            ++failures;
            std::printf("vopr: seed %llu FAILED: %s\n  replay: %s --verbose\n",
                        static_cast<unsigned long long>(seed), result.failure.c_str(),
                        replayCommand(options).c_str());
        } else if (first == last) {
            std::printf(
                "vopr: seed %llu ok: %llu steps, %llu claims (%llu paid), %llu faults, "
                "digest %s\n",
                static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(result.steps_run),
                static_cast<unsigned long long>(result.claims),
                static_cast<unsigned long long>(result.paid),
                static_cast<unsigned long long>(result.faults), result.digest.c_str());
        }
        std::fflush(stdout);
        if (seed == last) break;
    }
    if (first != last) {
        std::printf("vopr: %llu seeds (%llu-%llu), %llu steps each: %llu failed\n",
                    static_cast<unsigned long long>(runs), static_cast<unsigned long long>(first),
                    static_cast<unsigned long long>(last),
                    static_cast<unsigned long long>(options.steps),
                    static_cast<unsigned long long>(failures));
    }
    return failures == 0 ? 0 : 1;
}
