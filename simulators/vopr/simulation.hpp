// File: simulation.hpp
// The deterministic simulation behind `claimgate-sim vopr` (docs/testing.md): one seed drives
// many terminals (real SDK ClientCore and journal each) against one simulated gateway (real
// claim engine and SQLite ledger) over a simulated network, with a manual clock and injected
// faults. After every step it checks the money invariants; at the end it heals every fault,
// lets the journals drain and checks that terminals and ledger agree. The run is a function of
// (seed, options): its digest is the same on every replay.
#pragma once

#include <cstdint>
#include <string>

namespace claimgate::vopr {

struct SimulationOptions {
    std::uint64_t seed = 1;
    std::uint64_t steps = 400;
    std::size_t terminals = 6;
    std::size_t citizens = 8;  ///< few citizens, many terminals: contention for the same person
    std::string work_dir;      ///< ledger and journals go in a fresh directory under here
    bool verbose = false;      ///< print every step's trace line
};

struct SimulationResult {
    bool ok = true;
    std::string failure;  ///< the violated invariant and the step, when !ok
    std::string digest;   ///< SHA-256 of the trace, hex
    std::uint64_t steps_run = 0;
    std::uint64_t claims = 0;
    std::uint64_t paid = 0;
    std::uint64_t faults = 0;
};

[[nodiscard]] SimulationResult runSimulation(const SimulationOptions& options);

}  // namespace claimgate::vopr
