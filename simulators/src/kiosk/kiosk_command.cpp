// File: kiosk_command.cpp
// `claimgate-sim kiosk`: a convenience-store kiosk reserves and prints a slip with the claim
// code (kiosk-0001); the store's POS (pos-0001, same operator, OU=pos) pays the cash after the
// clerk checked the ID and commits by that code - or voids it when the till cannot pay.
#include "command_registry.hpp"
#include "terminal/terminal_simulation.hpp"

namespace claimgate::simulators {
namespace {

void kioskSession(TerminalSimulation& sim, const RosterRow& row, std::int64_t index) {
    const std::string kiosk = sim.options().terminal;
    const std::string pos = sim.options().pos_terminal;
    auto* client = sim.client(kiosk);
    if (client == nullptr) {
        ++sim.counts().errors;
        return;
    }
    const auto slip =
        client->reserve(sim.options().program, row.citizen_id, row.nhi_card_no, "", 0);
    if (!slip.ok()) {
        sim.countFailure(slip, "reserve");
        return;
    }
    const std::string code = slip.claim_code.empty() ? slip.claim_id : slip.claim_code;
    // The clerk scans the slip: the POS pays only a slip the gateway still holds.
    auto* till = sim.client(pos);
    if (till == nullptr) {
        ++sim.counts().errors;
        return;
    }
    const auto looked_up = till->lookup(code);
    if (!looked_up.ok() || looked_up.claim_status != "held") {
        if (looked_up.ok()) {
            ++sim.counts().refused;  // expired, voided or already paid: the till pays nothing
        } else if (looked_up.status == claimgate::sdk::Status::unavailable) {
            // The till cannot reach the gateway: it pays nothing and releases the slip (the
            // void is journalled and delivered later), so the citizen is not blocked.
            sim.countFailure(looked_up, "lookup");
            sim.voidClaim(pos, code, "till_offline");
        } else {
            sim.countFailure(looked_up, "lookup");
        }
        return;
    }
    if (sim.chance(sim.options().dispense_failure_rate)) {
        sim.voidClaim(pos, code, "till_could_not_pay");
        return;
    }
    const std::string ref = sim.nextTerminalRef(pos);
    sim.recordHandOver(pos, ref, slip.claim_id, slip.amount);
    if (sim.crashNow(index)) {
        sim.crash();
    }
    sim.commit(pos, code, slip.amount, ref);
}

int runKiosk(int argc, char** argv) {
    return TerminalSimulation::runCommand(argc, argv, "kiosk-0001", "pos-0001", kioskSession);
}

}  // namespace

CG_SIM_COMMAND(kiosk, "kiosk slip then POS commit by claim code, through the SDK", runKiosk);

}  // namespace claimgate::simulators
