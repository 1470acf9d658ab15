// claimgate-recon acknowledge: marks the open exceptions of some claims in the exception state
// file (match --state) as acknowledged by a person, so later reports show them as such.
#include "commands.hpp"

#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/exception_history.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace claimgate::recon {
namespace {

constexpr const char* kUsage =
    "usage: claimgate-recon acknowledge --state FILE --by NAME [--note TEXT] CLAIM_ID...\n"
    "\n"
    "Marks every open exception of each CLAIM_ID in the exception state file (written by\n"
    "`match --state FILE`) as acknowledged by NAME, now, with an optional note. The next match\n"
    "run shows them as acknowledged instead of new or carried forward.\n"
    "  --state   the state file of match --state (required; must exist)\n"
    "  --by      who acknowledges (required; a name, not an ID number)\n"
    "  --note    free text kept with the acknowledgement (default: empty)\n"
    "Exit status: 0 done, 1 failed (a claim id has no open exception), 2 usage error.\n";

int usageError(const std::string& message) {
    return recon::usageError("acknowledge", kUsage, message);
}

}  // namespace

int runAcknowledge(int argc, char** argv) {
    std::string state_path;
    std::string by;
    std::string note;
    std::vector<std::string> claims;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        const bool has_value = i + 1 < argc;
        if (argument == "--help" || argument == "-h") {
            std::fputs(kUsage, stdout);
            return kExitOk;
        }
        if (argument == "--state" && has_value) {
            state_path = argv[++i];
        } else if (argument == "--by" && has_value) {
            by = argv[++i];
        } else if (argument == "--note" && has_value) {
            note = argv[++i];
        } else if (argument.rfind("--", 0) == 0) {
            return usageError("unknown or incomplete option '" + argument + "'");
        } else {
            claims.push_back(argument);
        }
    }
    if (state_path.empty() || by.empty() || claims.empty()) {
        return usageError("--state, --by and at least one CLAIM_ID are required");
    }
    auto loaded = ExceptionHistory::load(state_path);
    if (!loaded.ok()) {
        return commandFailure("acknowledge", loaded.status().message());
    }
    ExceptionHistory history = std::move(loaded).value();
    const std::string now =
        protocols::formatRfc3339Millis(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
    for (const std::string& claim : claims) {
        if (history.acknowledge(claim, by, note, now) == 0) {
            return commandFailure("acknowledge", claim + " has no open exception in " + state_path +
                                                     "; nothing changed");
        }
    }
    if (auto saved = history.save(state_path, true); !saved.ok()) {
        return commandFailure("acknowledge", saved.message());
    }
    std::printf("acknowledged %zu claim(s) in %s\n", claims.size(), state_path.c_str());
    return kExitOk;
}

}  // namespace claimgate::recon
