// File: gateway_process.hpp
// `claimgate-gateway serve` as a child process on port 0: stdout and stderr go to files (so a
// test can read the ports and later search the logs), kill -9 and SIGTERM on demand. Also runs
// one-shot CLI commands (program put, roster import) to completion.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace claimgate::testing {

struct CommandResult {
    int exit_code = -1;  // -1 = did not exit normally or timed out
    std::string output;  // stdout + stderr
};

/// Starts `argv` (argv[0] a path) with stdout and stderr into the given files (they may be
/// the same) and stdin from /dev/null; the child is killed if the forking thread exits.
/// Returns its pid, or -1. The caller waits for it.
pid_t spawn(const std::vector<std::string>& argv, const std::string& stdout_path,
            const std::string& stderr_path);

/// Runs `argv` (argv[0] a path) with a bounded wait; output captured through `log_path`.
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& log_path,
                         std::chrono::seconds timeout = std::chrono::seconds(60));

class TempDir;
class GatewayProcess;

/// A gateway node on a shared ledger (contracts §6): data dir `temp/name`, logs in
/// `temp/name-logs`, `--ledger ledger --pepper-file pepper_file`, the sweeper out of the way
/// (10 min). Not started yet.
std::unique_ptr<GatewayProcess> makeLedgerNode(const TempDir& temp, const std::string& name,
                                               const std::string& ledger,
                                               const std::string& pepper_file,
                                               const std::string& sweep_interval_ms = "600000");

class GatewayProcess {
public:
    /// `log_dir` receives stdout-N.log and stderr-N.log for the N-th start.
    GatewayProcess(std::string data_dir, std::string pki_dir, std::string log_dir,
                   std::vector<std::string> extra_args = {});
    ~GatewayProcess();
    GatewayProcess(const GatewayProcess&) = delete;
    GatewayProcess& operator=(const GatewayProcess&) = delete;

    /// Starts `claimgate-gateway serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0` and
    /// waits (bounded) for both "listening on" lines. Returns false with `error()` set.
    bool start(std::chrono::seconds timeout = std::chrono::seconds(20));
    /// SIGKILL and reap.
    void kill9();
    /// Sends `signal` (SIGHUP to reload, SIGSTOP / SIGCONT to freeze and thaw) to the running
    /// child; false if it is not running.
    bool sendSignal(int signal);
    /// SIGSTOP, then waits until the child has stopped: kill() only queues the signal, and a
    /// request sent right after it could still be answered (seen once in CI).
    bool freeze();
    /// SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit code (-1 if killed).
    int terminate(std::chrono::seconds timeout = std::chrono::seconds(20));
    [[nodiscard]] bool running() const { return pid_ > 0; }
    /// The running child's process id (its /proc entry), -1 when none runs.
    [[nodiscard]] pid_t pid() const { return pid_; }
    /// True while the child has not exited (reaps it if it has).
    [[nodiscard]] bool alive();

    [[nodiscard]] std::uint16_t apiPort() const { return api_port_; }
    [[nodiscard]] std::uint16_t adminPort() const { return admin_port_; }
    [[nodiscard]] const std::string& error() const { return error_; }
    /// Every stdout/stderr file written so far, concatenated.
    [[nodiscard]] std::string allLogs() const;
    [[nodiscard]] const std::vector<std::string>& logFiles() const { return log_files_; }

private:
    std::string data_dir_;
    std::string pki_dir_;
    std::string log_dir_;
    std::vector<std::string> extra_args_;
    pid_t pid_ = -1;
    int starts_ = 0;
    std::uint16_t api_port_ = 0;
    std::uint16_t admin_port_ = 0;
    std::string error_;
    std::vector<std::string> log_files_;
};

}  // namespace claimgate::testing
