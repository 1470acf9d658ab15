#include "commands.hpp"

#include <array>
#include <cstdio>

namespace claimgate::recon {
namespace {

// One line per subcommand.
constexpr std::array kCommands = {
    Command{"match", "reconcile a ledger export against settlement files (contracts §11)",
            runMatch},
    Command{"acknowledge", "mark exceptions of earlier match runs as seen by a person (--state)",
            runAcknowledge},
    Command{"gen-fixture", "write a deterministic ledger + settlement fixture", runGenFixture},
    Command{"export", "write the ledger CSV of contracts §8 from a gateway data dir", runExport},
    Command{"verify",
            "recompute the ledger's and the transfer log's hash chains; name the first broken link",
            runVerify},
    Command{"pull", "fetch programs, rosters and other channels' payouts over T-Road", runPull},
    Command{"push", "send changed ledger claims to the payout platform over T-Road", runPush},
    Command{"receipt", "verify printed receipts offline: receipt verify --cert PEM QR_TEXT",
            runReceipt},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

int usageError(std::string_view command, const char* usage, std::string_view message) {
    std::fprintf(stderr, "claimgate-recon %.*s: %.*s\n\n%s", static_cast<int>(command.size()),
                 command.data(), static_cast<int>(message.size()), message.data(), usage);
    return kExitUsage;
}

int commandFailure(std::string_view command, std::string_view message) {
    std::fprintf(stderr, "claimgate-recon %.*s: %.*s\n", static_cast<int>(command.size()),
                 command.data(), static_cast<int>(message.size()), message.data());
    return kExitFailure;
}

}  // namespace claimgate::recon
