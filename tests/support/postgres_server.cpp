#include "postgres_server.hpp"

#include "gateway_process.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <libpq-fe.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace claimgate::testing {
namespace {

constexpr auto kServerStartTimeout = std::chrono::seconds(90);
/// Ports tried when a new server finds its port taken by another at bind time.
constexpr int kStartPortAttempts = 5;
constexpr auto kServerStopTimeout = std::chrono::seconds(40);
constexpr auto kWatchdogExitTimeout = std::chrono::seconds(40);
constexpr auto kSyncStandbyTimeout = std::chrono::seconds(30);
constexpr auto kKilledProcessesGoneTimeout = std::chrono::seconds(10);

std::string scriptPath() { return sourceDir() + "/scripts/pg-temp.sh"; }

/// The newest /usr/lib/postgresql/<version>/bin, or "" if the server is not installed.
std::string serverBinDir() {
    std::string best;
    int best_version = -1;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
        const std::string bin = entry.path().string() + "/bin";
        if (!std::filesystem::exists(bin + "/pg_ctl")) continue;
        const int version = std::atoi(entry.path().filename().c_str());
        if (version > best_version) {
            best_version = version;
            best = bin;
        }
    }
    return best;
}

/// PostgreSQL refuses to run as root: as root every server command runs as `postgres`.
std::vector<std::string> asServerOwner(std::vector<std::string> argv) {
    if (::geteuid() != 0) return argv;
    std::vector<std::string> wrapped = {"/usr/sbin/runuser", "-u", "postgres", "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

void missingServerFailure() {
    throw std::runtime_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run `make deps` "
        "(scripts/install-deps.sh installs the postgresql package); these tests need a real "
        "server and do not skip");
}

/// A loopback port that binds right now, chosen at random below the kernel's ephemeral range:
/// sockets bound to port 0 and outgoing connections of the tests running alongside never take
/// one of those between the pick and the server's bind (pg-temp.sh picks the same way).
std::uint16_t freeLoopbackPort() {
    int ephemeral_low = 32768;
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    range >> ephemeral_low;
    static std::mt19937 generator(std::random_device{}());
    for (int attempt = 0; attempt < 200; ++attempt) {
        const int port = ephemeral_low > 11000
                             ? std::uniform_int_distribution<int>(10000, ephemeral_low - 1)(generator)
                             : 0;
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw std::runtime_error("socket() failed");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        socklen_t length = sizeof address;
        const bool bound =
            ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
        ::close(fd);
        if (bound) return ntohs(address.sin_port);
    }
    throw std::runtime_error("cannot bind a loopback port");
}

/// An empty directory the server owner may write (pg-temp.sh does the same for the primary
/// and has already opened the parents of the shared temp dir).
void makeServerOwnedDir(const std::string& dir) {
    std::filesystem::create_directories(dir);
    if (::geteuid() != 0) return;
    const passwd* owner = ::getpwnam("postgres");
    if (owner == nullptr || ::chown(dir.c_str(), owner->pw_uid, owner->pw_gid) != 0 ||
        ::chmod(dir.c_str(), 0700) != 0) {
        throw std::runtime_error("cannot hand " + dir + " to the postgres user");
    }
}

/// Fields 2 (state) and 4 (ppid) of /proc/PID/stat; state 0 if the process is gone.
std::pair<char, pid_t> processStateAndParent(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return {0, 0};
    const auto name_end = line.rfind(')');  // the command name may hold spaces
    if (name_end == std::string::npos) return {0, 0};
    std::istringstream rest(line.substr(name_end + 1));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    return {state, parent};
}

std::vector<pid_t> childrenOf(pid_t parent) {
    std::vector<pid_t> children;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t pid = static_cast<pid_t>(std::atoi(name.c_str()));
        if (processStateAndParent(pid).second == parent) children.push_back(pid);
    }
    return children;
}

bool processGone(pid_t pid) {
    const char state = processStateAndParent(pid).first;
    return state == 0 || state == 'Z' || state == 'X';
}

}  // namespace

PostgresServer& PostgresServer::shared() {
    static std::mutex mutex;
    static std::unique_ptr<TempDir> dir;
    static std::unique_ptr<PostgresServer> server;
    static std::string failure;
    std::lock_guard lock(mutex);
    if (server) return *server;
    if (!failure.empty()) throw std::runtime_error(failure);
    try {
        dir = std::make_unique<TempDir>("cg-pg");
        server = std::make_unique<PostgresServer>(dir->file("pg"));
    } catch (const std::exception& error) {
        failure = error.what();  // do not retry (and wait again) in every test
        throw;
    }
    return *server;
}

PostgresServer::PostgresServer(std::string dir) : dir_(std::move(dir)) {
    if (serverBinDir().empty()) missingServerFailure();
    std::filesystem::create_directories(dir_);
    const std::string log = dir_ + ".start.log";
    startWatchdog();  // before the start, so even a death during it leaves no server behind
    const auto started =
        runCommand({"/bin/bash", scriptPath(), "start", dir_}, log, kServerStartTimeout);
    if (started.exit_code != 0) {
        throw std::runtime_error("scripts/pg-temp.sh start " + dir_ + " failed (exit " +
                                 std::to_string(started.exit_code) + "): " + started.output);
    }
    running_ = true;
    const auto at = started.output.rfind("postgresql://");
    const std::string port_text = readFileBytes(dir_ + "/port");
    port_ = static_cast<std::uint16_t>(std::atoi(port_text.c_str()));
    if (at == std::string::npos || port_ == 0) {
        stop();
        throw std::runtime_error("pg-temp.sh printed no URI/port: " + started.output);
    }
    uri_ = uriFor("claimgate");
}

PostgresServer::~PostgresServer() {
    stop();
    if (watchdog_pipe_ >= 0) ::close(watchdog_pipe_);  // the watchdog sees EOF and exits
    if (watchdog_pid_ > 0) {
        const auto deadline = std::chrono::steady_clock::now() + kWatchdogExitTimeout;
        int status = 0;
        while (::waitpid(watchdog_pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(watchdog_pid_, SIGKILL);
                ::waitpid(watchdog_pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

void PostgresServer::startWatchdog() {
    // A child blocked reading a pipe only we write to: when this process ends in any way the
    // pipe closes and the child stops the server. fork + exec at once (we may have threads).
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    // It also removes the data dir: after a crash nobody else will.
    const std::string command = "cat >/dev/null; /bin/bash '" + scriptPath() + "' stop '" + dir_ +
                                "'; rm -rf '" + dir_ + "'";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[0], STDIN_FILENO);
        const int null_out = ::open("/dev/null", O_WRONLY);
        if (null_out >= 0) {
            ::dup2(null_out, STDOUT_FILENO);
            ::dup2(null_out, STDERR_FILENO);
        }
        ::setsid();  // not killed with our process group by a ctest timeout
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[0]);
    if (pid < 0) {
        ::close(fds[1]);
        return;
    }
    watchdog_pipe_ = fds[1];
    watchdog_pid_ = pid;
}

std::string PostgresServer::uriFor(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::freshDatabase() {
    static std::mutex mutex;
    static std::mt19937_64 random{std::random_device{}()};
    std::string name;
    {
        std::lock_guard lock(mutex);
        name = "t_" + std::to_string(random() % 1'000'000'000'000ULL);
    }
    pgQuery(uri_, "CREATE DATABASE " + name);
    return uriFor(name);
}

void PostgresServer::stop() {
    if (!running_) return;
    running_ = false;
    runCommand(asServerOwner({serverBinDir() + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate",
                              "-w", "-t", "30", "stop"}),
               dir_ + ".stop.log", kServerStopTimeout);
}

void PostgresServer::restart() {
    if (running_) stop();
    const std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                                " -c listen_addresses=127.0.0.1 -c fsync=on "
                                "-c synchronous_commit=on -c max_connections=200";
    const auto started =
        runCommand(asServerOwner({serverBinDir() + "/pg_ctl", "-D", dir_ + "/data", "-l",
                                  dir_ + "/server.log", "-w", "-t", "60", "-o", options, "start"}),
                   dir_ + ".restart.log", kServerStartTimeout);
    if (started.exit_code != 0) {
        throw std::runtime_error("pg_ctl start failed: " + started.output + "\n" +
                                 readFileBytes(dir_ + "/server.log"));
    }
    running_ = true;
}

std::unique_ptr<PostgresServer> PostgresServer::standbyOf(const PostgresServer& primary,
                                                          std::string dir,
                                                          const std::string& application_name) {
    return std::unique_ptr<PostgresServer>(
        new PostgresServer(std::move(dir), primary, application_name, StandbyTag{}));
}

PostgresServer::PostgresServer(std::string dir, const PostgresServer& primary,
                               const std::string& application_name, StandbyTag)
    : dir_(std::move(dir)) {
    if (!primary.running()) throw std::runtime_error("standbyOf: the primary is not running");
    makeServerOwnedDir(dir_);
    startWatchdog();
    // -R writes standby.signal and a primary_conninfo holding these connection options, so
    // the WAL receiver announces itself as `application_name`. -X stream: the copy is
    // consistent on its own; -c fast: no wait for the next checkpoint.
    const std::string source = "host=127.0.0.1 port=" + std::to_string(primary.port()) +
                               " user=postgres application_name=" + application_name;
    const auto copied =
        runCommand(asServerOwner({serverBinDir() + "/pg_basebackup", "-D", dir_ + "/data", "-R",
                                  "-X", "stream", "-c", "fast", "-d", source}),
                   dir_ + ".basebackup.log", kServerStartTimeout);
    if (copied.exit_code != 0) {
        throw std::runtime_error("pg_basebackup from port " + std::to_string(primary.port()) +
                                 " failed: " + copied.output);
    }
    // The primary's server options (a standby needs max_connections >= primary's), on a new
    // port; should another server take it first, on another.
    for (int attempt = 1;; ++attempt) {
        port_ = freeLoopbackPort();
        try {
            restart();
            break;
        } catch (const std::runtime_error& error) {
            const bool port_taken =
                std::string(error.what()).find("Address already in use") != std::string::npos;
            if (!port_taken || attempt == kStartPortAttempts) throw;
        }
    }
    uri_ = uriFor("claimgate");
}

void PostgresServer::requireSynchronousStandby(const std::string& application_name) {
    pgQuery(uri_, "ALTER SYSTEM SET synchronous_standby_names = '" + application_name + "'");
    pgQuery(uri_, "SELECT pg_reload_conf()");
    const auto deadline = std::chrono::steady_clock::now() + kSyncStandbyTimeout;
    std::string state;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto rows = pgQuery(uri_,
                                  "SELECT state || '/' || sync_state FROM pg_stat_replication "
                                  "WHERE application_name = '" +
                                      application_name + "'");
        state = rows.empty() ? "not connected" : rows[0][0];
        if (state == "streaming/sync") return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("standby " + application_name +
                             " did not become synchronous: " + state);
}

void PostgresServer::killHard() {
    if (!running_) throw std::runtime_error("killHard: the server is not running");
    // postmaster.pid: line 1 the postmaster's pid, line 7 "<shm key> <shm id>".
    std::istringstream pid_file(readFileBytes(dir_ + "/data/postmaster.pid"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(pid_file, line);) lines.push_back(line);
    const pid_t postmaster = lines.empty() ? 0 : static_cast<pid_t>(std::atoi(lines[0].c_str()));
    if (postmaster <= 0) throw std::runtime_error("killHard: no pid in postmaster.pid");
    // Every backend runs in a session of its own, so no process group covers the server.
    // A stopped postmaster forks no new backend while we collect and kill its children.
    ::kill(postmaster, SIGSTOP);
    std::vector<pid_t> victims = childrenOf(postmaster);
    for (const pid_t child : victims) ::kill(child, SIGKILL);
    ::kill(postmaster, SIGKILL);
    running_ = false;
    victims.push_back(postmaster);
    const auto deadline = std::chrono::steady_clock::now() + kKilledProcessesGoneTimeout;
    for (const pid_t victim : victims) {
        while (!processGone(victim) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    // The small System V segment a crashed server leaves behind would outlive the test (a
    // rebooted machine loses it too).
    if (lines.size() >= 7) {
        std::istringstream shm(lines[6]);
        long key = 0;
        int shm_id = -1;
        if (shm >> key >> shm_id && shm_id >= 0) ::shmctl(shm_id, IPC_RMID, nullptr);
    }
}

void PostgresServer::promote() {
    const auto promoted = runCommand(asServerOwner({serverBinDir() + "/pg_ctl", "-D",
                                                    dir_ + "/data", "-w", "-t", "60", "promote"}),
                                     dir_ + ".promote.log", kServerStartTimeout);
    if (promoted.exit_code != 0) {
        throw std::runtime_error("pg_ctl promote failed: " + promoted.output + "\n" +
                                 readFileBytes(dir_ + "/server.log"));
    }
}

std::vector<std::vector<std::string>> pgQuery(const std::string& uri, const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(uri.c_str()), &PQfinish);
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to " + uri + ": " +
                                 PQerrorMessage(connection.get()));
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                         &PQclear);
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error("postgres: " + std::string(PQerrorMessage(connection.get())) +
                                 " in: " + sql);
    }
    std::vector<std::vector<std::string>> rows;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        std::vector<std::string> values;
        for (int column = 0; column < PQnfields(result.get()); ++column) {
            values.emplace_back(PQgetvalue(result.get(), row, column));
        }
        rows.push_back(std::move(values));
    }
    return rows;
}

}  // namespace claimgate::testing
