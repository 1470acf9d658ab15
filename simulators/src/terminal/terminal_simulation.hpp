// File: terminal_simulation.hpp
// The engine shared by `claimgate-sim atm | kiosk | counter`: options, roster, seeded
// randomness, SDK clients, the settlement file (what the bank or store would report), and the
// JSON summary on the last stdout line. Each channel supplies only its session script.
#pragma once

#include <claimgate/protocols/roster_csv.hpp>
#include <claimgate/sdk/client.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace claimgate::simulators {

/// A citizen the scripts serve: a row of the roster CSV as the shared codec reads it.
using RosterRow = protocols::RosterCsvRow;

struct SimulationOptions {
    std::string command;  ///< atm, kiosk, counter
    std::string gateway_url;
    std::string pki_dir;
    std::string journal;  ///< journal path of the main terminal
    std::string roster_file;
    std::string program = "CASH2023";
    std::string terminal;      ///< certificate name under pki/terminals
    std::string pos_terminal;  ///< kiosk only: the POS that pays out slips
    std::string settlement_out;
    std::int64_t sessions = 10;
    std::uint64_t seed = 0;
    double dispense_failure_rate = 0.0;
    bool crash_after_dispense = false;
    bool duplicate_submit = false;
    std::uint32_t timeout_ms = 5000;
    std::uint32_t flush_ms = 20000;
};

struct SimulationCounts {
    std::int64_t sessions = 0;
    std::int64_t paid = 0;         ///< cash handed over and commit ok or queued
    std::int64_t voided = 0;       ///< dispense failed, hold voided (ok or queued)
    std::int64_t refused = 0;      ///< gateway said no (not eligible, already claimed, ...)
    std::int64_t unavailable = 0;  ///< gateway unreachable at check/reserve: nothing paid
    std::int64_t invalid = 0;      ///< refused locally by the SDK
    std::int64_t queued = 0;       ///< commit/void advices journalled for later delivery
    std::int64_t delivered = 0;    ///< of those, delivered before the simulator ended
    std::int64_t pending = 0;      ///< still in the journals at the end
    std::int64_t duplicates = 0;   ///< duplicate submits answered harmlessly
    std::int64_t errors = 0;       ///< anything unexpected (internal, disputed advice)
};

class TerminalSimulation;

/// One citizen's session; returns after the transaction is over. May call crash().
using SessionScript =
    std::function<void(TerminalSimulation& sim, const RosterRow& row, std::int64_t session_index)>;

class TerminalSimulation {
public:
    /// Parses argv (argv[0] is the subcommand). Returns false (exit code in `exit_code`) on
    /// --help or bad options.
    static bool parse(int argc, char** argv, SimulationOptions& options, int& exit_code,
                      const char* default_terminal, const char* default_pos_terminal);

    /// The whole subcommand: parse argv with these defaults, then run `script`.
    static int runCommand(int argc, char** argv, const char* default_terminal,
                          const char* default_pos_terminal, const SessionScript& script);

    explicit TerminalSimulation(SimulationOptions options);

    /// Opens clients, runs the sessions through `script`, flushes, prints the summary.
    int run(const SessionScript& script);

    /// The client of a terminal certificate (opened on first use, own journal).
    claimgate::sdk::Client* client(const std::string& terminal);
    [[nodiscard]] const SimulationOptions& options() const noexcept { return options_; }
    SimulationCounts& counts() noexcept { return counts_; }
    std::mt19937_64& random() noexcept { return random_; }
    bool chance(double probability);

    /// Records a cash hand-over in the settlement file (before the commit, as a dispenser's
    /// own log would).
    void recordHandOver(const std::string& terminal, const std::string& terminal_ref,
                        const std::string& claim_id, std::int64_t amount);
    /// Commit (and optionally submit it twice) and count the outcome.
    void commit(const std::string& terminal, const std::string& claim_id, std::int64_t amount,
                const std::string& terminal_ref);
    /// Void and count the outcome.
    void voidClaim(const std::string& terminal, const std::string& claim_id,
                   const std::string& reason);
    /// The tail every cash session shares once the reserve answered: a failed reserve is
    /// counted; a failed dispense (by --dispense-failure-rate) voids with `void_reason`;
    /// otherwise the hand-over is recorded, the crash switch may fire, and the claim commits.
    void dispenseAndCommit(const std::string& terminal, const claimgate::sdk::Outcome& held,
                           std::int64_t session_index, const std::string& void_reason);
    /// Counts a failed check/reserve outcome.
    void countFailure(const claimgate::sdk::Outcome& outcome, const char* step);
    /// Crash switch: true when this session is the one that dies after the dispense.
    [[nodiscard]] bool crashNow(std::int64_t session_index) const noexcept;
    /// Prints the summary and ends the process at once, as a power cut would.
    [[noreturn]] void crash();
    std::string nextTerminalRef(const std::string& terminal);

private:
    void printSummary(bool crashed);

    SimulationOptions options_;
    SimulationCounts counts_;
    std::mt19937_64 random_;
    std::vector<std::pair<std::string, std::unique_ptr<claimgate::sdk::Client>>> clients_;
    std::int64_t crash_session_ = -1;
    std::int64_t terminal_ref_counter_ = 0;
    std::int64_t run_id_ = 0;
};

/// Reads `citizen_id,nhi_card_no,amount,proxies,claim_by` (header required).
bool readRoster(const std::string& path, std::vector<RosterRow>& rows, std::string& error);

}  // namespace claimgate::simulators
