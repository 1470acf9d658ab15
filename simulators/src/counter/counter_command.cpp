// File: counter_command.cpp
// `claimgate-sim counter`: a post-office counter. The clerk checks the physical cards; proxies
// (guardians, registered agents) collect with their own ID when the roster names them.
#include "command_registry.hpp"
#include "terminal/terminal_simulation.hpp"

namespace claimgate::simulators {
namespace {

void counterSession(TerminalSimulation& sim, const RosterRow& row, std::int64_t index) {
    const std::string terminal = sim.options().terminal;
    auto* client = sim.client(terminal);
    if (client == nullptr) {
        ++sim.counts().errors;
        return;
    }
    std::string proxy;
    if (!row.proxies.empty() &&
        (row.effectiveClaimBy() == protocols::ClaimBy::proxy || sim.chance(0.5))) {
        const auto pick =
            std::uniform_int_distribution<std::size_t>(0, row.proxies.size() - 1)(sim.random());
        proxy = row.proxies[pick];
    }
    const auto held = client->reserve(sim.options().program, row.citizen_id, "", proxy, 0);
    sim.dispenseAndCommit(terminal, held, index, "counter_cancelled");
}

int runCounter(int argc, char** argv) {
    return TerminalSimulation::runCommand(argc, argv, "counter-0001", "", counterSession);
}

}  // namespace

CG_SIM_COMMAND(counter, "post-office counter sessions through the SDK (proxies)", runCounter);

}  // namespace claimgate::simulators
