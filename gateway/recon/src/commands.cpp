#include "commands.hpp"

#include <array>

namespace claimgate::recon {
namespace {

// One line per subcommand.
constexpr std::array kCommands = {
    Command{"match", "reconcile a ledger export against settlement files (DESIGN §11)", runMatch},
    Command{"gen-fixture", "write a deterministic ledger + settlement fixture", runGenFixture},
    Command{"export", "write the ledger CSV of DESIGN §8 from a gateway data dir", runExport},
    Command{"verify", "recompute the ledger's hash chain; name the first broken link", runVerify},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

}  // namespace claimgate::recon
