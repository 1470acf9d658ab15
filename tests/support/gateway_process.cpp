#include "gateway_process.hpp"

#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <regex>
#include <thread>

namespace claimgate::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(20);

/// Waits for `pid` up to `timeout`; returns true and the status if it exited.
bool waitBounded(pid_t pid, std::chrono::milliseconds timeout, int& status) {
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return true;
        if (done < 0) return false;
        if (SteadyClock::now() >= deadline) return false;
        std::this_thread::sleep_for(kPollInterval);
    }
}

}  // namespace

pid_t spawn(const std::vector<std::string>& argv, const std::string& stdout_path,
            const std::string& stderr_path) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    // If the test process dies (crash, timeout kill), take the child along rather than leave
    // a gateway running. Note: fires when the forking *thread* exits, so fork from the test's
    // main thread.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = stderr_path == stdout_path
                        ? out
                        : ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) ::_exit(126);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
}

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& log_path,
                         std::chrono::seconds timeout) {
    CommandResult result;
    const pid_t pid = spawn(argv, log_path, log_path);
    if (pid < 0) return result;
    int status = 0;
    if (!waitBounded(pid, timeout, status)) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    } else if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    }
    result.output = readFileBytes(log_path);
    return result;
}

GatewayProcess::GatewayProcess(std::string data_dir, std::string pki_dir, std::string log_dir,
                               std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)),
      pki_dir_(std::move(pki_dir)),
      log_dir_(std::move(log_dir)),
      extra_args_(std::move(extra_args)) {}

GatewayProcess::~GatewayProcess() {
    if (running()) kill9();
}

bool GatewayProcess::start(std::chrono::seconds timeout) {
    ++starts_;
    const std::string out_path = log_dir_ + "/stdout-" + std::to_string(starts_) + ".log";
    const std::string err_path = log_dir_ + "/stderr-" + std::to_string(starts_) + ".log";
    log_files_.push_back(out_path);
    log_files_.push_back(err_path);
    std::vector<std::string> argv = {binDir() + "/claimgate-gateway",
                                     "serve",
                                     "--data-dir",
                                     data_dir_,
                                     "--pki-dir",
                                     pki_dir_,
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--admin-listen",
                                     "127.0.0.1:0"};
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    pid_ = spawn(argv, out_path, err_path);
    if (pid_ < 0) {
        error_ = "fork failed";
        return false;
    }
    static const std::regex api_line(R"((^|\n)listening on 127\.0\.0\.1:(\d+))");
    static const std::regex admin_line(R"(admin listening on 127\.0\.0\.1:(\d+))");
    const auto deadline = SteadyClock::now() + timeout;
    while (SteadyClock::now() < deadline) {
        const std::string out = readFileBytes(out_path);
        std::smatch api, admin;
        if (std::regex_search(out, api, api_line) && std::regex_search(out, admin, admin_line)) {
            api_port_ = static_cast<std::uint16_t>(std::stoi(api[2].str()));
            admin_port_ = static_cast<std::uint16_t>(std::stoi(admin[1].str()));
            return true;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            error_ = "gateway exited early: " + readFileBytes(err_path);
            return false;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    error_ = "gateway did not print its ports in time: " + readFileBytes(err_path);
    kill9();
    return false;
}

bool GatewayProcess::sendSignal(int signal) { return pid_ > 0 && ::kill(pid_, signal) == 0; }

bool GatewayProcess::freeze() {
    if (!sendSignal(SIGSTOP)) return false;
    int status = 0;
    return ::waitpid(pid_, &status, WUNTRACED) == pid_ && WIFSTOPPED(status);
}

bool GatewayProcess::alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

void GatewayProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

int GatewayProcess::terminate(std::chrono::seconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!waitBounded(pid_, timeout, status)) {
        kill9();
        return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string GatewayProcess::allLogs() const {
    std::string all;
    for (const auto& file : log_files_) all += readFileBytes(file);
    return all;
}

std::unique_ptr<GatewayProcess> makeLedgerNode(const TempDir& temp, const std::string& name,
                                               const std::string& ledger,
                                               const std::string& pepper_file,
                                               const std::string& sweep_interval_ms) {
    const std::string logs = temp.file(name + "-logs");
    ::mkdir(logs.c_str(), 0700);
    ::mkdir(temp.file(name).c_str(), 0700);
    return std::make_unique<GatewayProcess>(
        temp.file(name), TestPki::shared().dir(), logs,
        std::vector<std::string>{"--ledger", ledger, "--pepper-file", pepper_file,
                                 "--sweep-interval-ms", sweep_interval_ms});
}

}  // namespace claimgate::testing
