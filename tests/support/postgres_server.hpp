// File: postgres_server.hpp
// A throwaway PostgreSQL server for tests (scripts/pg-temp.sh): started once per test process
// on first use, stopped at exit. A watchdog child stops it too if the test process dies
// without running destructors (crash, ctest timeout kill), so no server outlives its test.
// Each test takes a fresh database from it. Missing server binaries are a failure, not a skip:
// `make deps` installs them. For the failover test a private server also gets a streaming
// standby (pg_basebackup -R), made synchronous, and can die by SIGKILL and be promoted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace claimgate::testing {

class PostgresServer {
public:
    /// The process-wide server, started on first use (thread-safe). Throws
    /// std::runtime_error with the reason if it cannot start.
    static PostgresServer& shared();

    /// Starts a private server in `dir` (for tests that stop and restart it). Throws.
    explicit PostgresServer(std::string dir);
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    /// URI of the `claimgate` database the script creates.
    [[nodiscard]] const std::string& uri() const { return uri_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    /// CREATE DATABASE t_<random> and return its URI.
    [[nodiscard]] std::string freshDatabase();

    /// Stops the server (fast shutdown: sessions are cut, like a crash for the clients).
    void stop();
    /// Starts it again on the same data dir and port. Throws if it does not come up.
    void restart();
    [[nodiscard]] bool running() const { return running_; }

    /// Starts a streaming-replication standby of `primary` in `dir` on a port of its own:
    /// pg_basebackup -R from the primary, its WAL receiver connecting as `application_name`
    /// (the name synchronous_standby_names refers to). Read-only until promote(). Throws.
    static std::unique_ptr<PostgresServer> standbyOf(const PostgresServer& primary, std::string dir,
                                                     const std::string& application_name);
    /// On a primary: ALTER SYSTEM SET synchronous_standby_names = `application_name`, reload,
    /// and wait (bounded) until that standby streams in sync, so that from then on a COMMIT
    /// returns only once the standby has flushed its WAL. Throws if it does not get there.
    void requireSynchronousStandby(const std::string& application_name);
    /// SIGKILL of the postmaster and every one of its processes at once, as when the machine
    /// dies: no shutdown checkpoint, no goodbye to clients or standbys. Throws if not running.
    void killHard();
    /// pg_ctl promote -w: a standby replays what it has and becomes a read-write primary on a
    /// new timeline. Throws if it does not.
    void promote();

private:
    struct StandbyTag {};
    PostgresServer(std::string dir, const PostgresServer& primary,
                   const std::string& application_name, StandbyTag);
    std::string uriFor(const std::string& database) const;
    void startWatchdog();

    std::string dir_;
    std::string uri_;
    std::uint16_t port_ = 0;
    bool running_ = false;
    int watchdog_pipe_ = -1;
    int watchdog_pid_ = -1;
};

/// Runs SQL on `uri` through libpq and returns every row as text (NULL -> ""). Throws
/// std::runtime_error with the server's message on failure.
std::vector<std::vector<std::string>> pgQuery(const std::string& uri, const std::string& sql);

}  // namespace claimgate::testing
