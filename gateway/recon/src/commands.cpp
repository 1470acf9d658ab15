#include "commands.hpp"

#include <array>

namespace claimgate::recon {
namespace {

// One line per subcommand.
constexpr std::array kCommands = {
    Command{"match", "reconcile a ledger export against settlement files (contracts §11)", runMatch},
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

}  // namespace claimgate::recon
