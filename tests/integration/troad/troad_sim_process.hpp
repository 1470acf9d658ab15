// File: troad_sim_process.hpp
// `claimgate-sim troad` as a child process for integration tests: started on 127.0.0.1:0, port
// read from its "listening on" line within a bounded wait, SIGTERM (then SIGKILL) on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace claimgate::troad::testing {

class TroadSimProcess {
public:
    TroadSimProcess() = default;
    ~TroadSimProcess();
    TroadSimProcess(const TroadSimProcess&) = delete;
    TroadSimProcess& operator=(const TroadSimProcess&) = delete;

    /// Runs `binary troad ARGS... --listen 127.0.0.1:0`; stderr goes to `stderr_path`.
    /// False (with error()) if it exits or prints no "listening on" line within `timeout`.
    bool start(const std::string& binary, const std::vector<std::string>& args,
               const std::string& stderr_path,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));
    void stop();

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] const std::string& output() const { return output_; }

private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string error_;
    std::string output_;
};

/// Runs a shell command with a bounded wait; returns its exit status (-1 on timeout).
int runShell(const std::string& command);

}  // namespace claimgate::troad::testing
