// File: troad_sim_process.cpp
#include "troad_sim_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace claimgate::troad::testing {

TroadSimProcess::~TroadSimProcess() { stop(); }

bool TroadSimProcess::start(const std::string& binary, const std::vector<std::string>& args,
                            const std::string& stderr_path, std::chrono::milliseconds timeout) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        error_ = "pipe failed";
        return false;
    }
    std::vector<std::string> argv_strings = {binary, "troad"};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    argv_strings.push_back("--listen");
    argv_strings.push_back("127.0.0.1:0");
    std::vector<char*> argv;
    for (auto& arg : argv_strings) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) {
        error_ = "fork failed";
        return false;
    }
    if (pid_ == 0) {
        dup2(pipe_fds[1], STDOUT_FILENO);
        const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (err >= 0) {
            dup2(err, STDERR_FILENO);
        }
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(pipe_fds[1]);
    stdout_fd_ = pipe_fds[0];

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string marker = "listening on 127.0.0.1:";
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd fd{stdout_fd_, POLLIN, 0};
        if (poll(&fd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) {
            continue;
        }
        char buffer[512];
        const ssize_t n = read(stdout_fd_, buffer, sizeof buffer);
        if (n <= 0) {
            error_ = "simulator exited before listening; stdout: " + output_;
            return false;
        }
        output_.append(buffer, static_cast<std::size_t>(n));
        const auto at = output_.find(marker);
        const auto end = at == std::string::npos ? std::string::npos : output_.find('\n', at);
        if (end != std::string::npos) {
            port_ = static_cast<std::uint16_t>(
                std::stoul(output_.substr(at + marker.size(), end - at - marker.size())));
            return true;
        }
    }
    error_ = "no 'listening on' line within the timeout; stdout: " + output_;
    return false;
}

void TroadSimProcess::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        bool reaped = false;
        for (int i = 0; i < 200 && !reaped; ++i) {  // up to 10 s
            reaped = waitpid(pid_, &status, WNOHANG) == pid_;
            if (!reaped) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        if (!reaped) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    if (stdout_fd_ >= 0) {
        close(stdout_fd_);
        stdout_fd_ = -1;
    }
}

int runShell(const std::string& command) {
    const std::string bounded = "timeout 60 " + command;
    const int status = std::system(bounded.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace claimgate::troad::testing
