// File: atm_command.cpp
// `claimgate-sim atm`: the 2023 ATM flow through the SDK. The card holder types an ID, the
// beneficiary is proven by the NHI card number; a parent collects for a child with the parent's
// own card (proxy_id) when the roster allows it.
#include "command_registry.hpp"
#include "terminal/terminal_simulation.hpp"

namespace claimgate::simulators {
namespace {

void atmSession(TerminalSimulation& sim, const RosterRow& row, std::int64_t index) {
    const std::string terminal = sim.options().terminal;
    auto* client = sim.client(terminal);
    if (client == nullptr) {
        ++sim.counts().errors;
        return;
    }
    // Parent-for-child: "proxy" rows always, "either" rows half of the time.
    std::string proxy;
    if (!row.proxies.empty() &&
        (row.effectiveClaimBy() == protocols::ClaimBy::proxy ||
         (row.effectiveClaimBy() != protocols::ClaimBy::self && sim.chance(0.5)))) {
        proxy = row.proxies.front();
    }
    const auto checked =
        client->check(sim.options().program, row.citizen_id, row.nhi_card_no, proxy);
    if (!checked.ok()) {
        sim.countFailure(checked, "check");
        return;
    }
    if (!checked.eligible) {
        ++sim.counts().refused;
        return;
    }
    const auto held = client->reserve(sim.options().program, row.citizen_id, row.nhi_card_no, proxy,
                                      checked.amount);
    sim.dispenseAndCommit(terminal, held, index, "dispense_failed");
}

int runAtm(int argc, char** argv) {
    return TerminalSimulation::runCommand(argc, argv, "atm-0001", "", atmSession);
}

}  // namespace

CG_SIM_COMMAND(atm, "ATM sessions through the SDK (NHI card, parent-for-child, faults)", runAtm);

}  // namespace claimgate::simulators
