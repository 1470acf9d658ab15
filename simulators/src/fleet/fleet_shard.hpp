// File: fleet_shard.hpp
// One I/O thread of `claimgate-sim fleet` with the connections it owns and its own counters.
// Connections never move between shards and counters are only touched on the shard's thread
// (read by the main thread after stop()), so recording a latency never takes a lock; the few
// progress figures the main thread watches while the run goes on are atomics.
#pragma once

#include "fleet/fleet_options.hpp"
#include "fleet/open_loop_schedule.hpp"
#include "load/error_tally.hpp"
#include "load/latency_histogram.hpp"
#include "load/load_roster.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace claimgate::simulators {

using FleetClock = std::chrono::steady_clock;

/// What every shard of one run shares, read-only while it runs.
struct FleetPlan {
    const FleetOptions* options = nullptr;
    const LoadRoster* roster = nullptr;
    boost::asio::ssl::context* tls = nullptr;
    boost::asio::ip::tcp::endpoint endpoint;
    std::string host_header;
};

/// The three kinds of mutual-TLS connection a run opens.
enum class TerminalRole : std::size_t { idle = 0, active = 1, probe = 2 };
inline constexpr std::size_t kTerminalRoles = 3;
/// Probes are measured before the abuse starts and while it is on.
enum class ProbePhase : std::size_t { baseline = 0, abuse = 1 };

struct ShardStats {
    // Per TerminalRole: handshake + first check answered / refused or failed before that /
    // closed or reset by the gateway afterwards, while the run still wanted it open.
    std::array<std::uint64_t, kTerminalRoles> established{};
    std::array<std::uint64_t, kTerminalRoles> open_failed{};
    std::array<std::uint64_t, kTerminalRoles> lost{};
    std::uint64_t checks_ok = 0;      // active set, after the warm-up check
    std::uint64_t checks_failed = 0;  // error reply or transport failure
    std::uint64_t unsent = 0;         // open loop: due before the deadline, never sent
    LatencyHistogram active_latency;  // from each check's due time
    std::array<LatencyHistogram, 2> probe_latency;  // per ProbePhase, from the due time
    std::array<std::uint64_t, 2> probes_failed{};
    std::array<std::uint64_t, 2> probes_unfinished{};
    std::uint64_t abusive_opened = 0;
    std::uint64_t abusive_connect_failed = 0;
    std::uint64_t abusive_dropped = 0;  // closed by the gateway (its head deadline)
    LatencyHistogram abusive_lifetime;  // connect to drop
    ErrorTally errors;
};

/// A connection the shard closes when the run ends.
class FleetConnection {
public:
    virtual ~FleetConnection() = default;
    virtual void close() = 0;
};

class TerminalSession;

class FleetShard {
public:
    FleetShard(const FleetPlan& plan, int index);
    ~FleetShard();
    FleetShard(const FleetShard&) = delete;
    FleetShard& operator=(const FleetShard&) = delete;

    void startThread();
    /// Closes every connection (their completions are then not counted) and joins the thread.
    void stop();

    // ---- Called from the main thread; the work is posted to the shard's thread. ----
    /// Opens `count` terminal connections, at most --open-concurrency in flight.
    void openTerminals(TerminalRole role, int count);
    /// Starts the open-loop schedules of this shard's active connections; `first_index` is
    /// the global index of its first one among `active_total`.
    void startActive(FleetClock::time_point start, FleetClock::time_point deadline, int first_index,
                     int active_total);
    /// A new probe every 1/--probe-rate s from `start` until `deadline`.
    void startProbes(ProbePhase phase, FleetClock::time_point start,
                     FleetClock::time_point deadline);
    /// Opens `silent` silent and `dribble` dribbling TCP connections, reopened when dropped.
    void openAbusive(int silent, int dribble);

    /// Terminal connections of `role` settled (established or failed to open).
    [[nodiscard]] int settled(TerminalRole role) const noexcept {
        return settled_[static_cast<std::size_t>(role)].load(std::memory_order_acquire);
    }
    [[nodiscard]] int abusiveOpen() const noexcept {
        return abusive_open_.load(std::memory_order_acquire);
    }
    [[nodiscard]] int activeFinished() const noexcept {
        return active_finished_.load(std::memory_order_acquire);
    }

    // ---- For the connections, on the shard's thread. ----
    [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
    [[nodiscard]] const FleetPlan& plan() const noexcept { return plan_; }
    [[nodiscard]] ShardStats& stats() noexcept { return stats_; }
    [[nodiscard]] bool stopping() const noexcept { return stopping_; }
    /// The body of an eligibility check for a random roster citizen, as a full request.
    void buildCheckRequest(std::string& out);
    void terminalSettled(TerminalRole role);
    void abusiveOpened() { abusive_open_.fetch_add(1, std::memory_order_acq_rel); }
    void abusiveClosed() { abusive_open_.fetch_sub(1, std::memory_order_acq_rel); }
    void noteActiveFinished() { active_finished_.fetch_add(1, std::memory_order_acq_rel); }
    void keep(std::shared_ptr<FleetConnection> connection) {
        connections_.push_back(std::move(connection));
    }

    // Read after stop().
    [[nodiscard]] const ShardStats& result() const noexcept { return stats_; }

private:
    void launchTerminal(TerminalRole role);
    void scheduleProbe(ProbePhase phase, OpenLoopSchedule schedule,
                       FleetClock::time_point deadline);

    const FleetPlan& plan_;
    boost::asio::io_context io_{1};
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
    ShardStats stats_;
    std::mt19937_64 rng_;
    bool stopping_ = false;
    std::vector<std::shared_ptr<FleetConnection>> connections_;
    std::vector<std::shared_ptr<TerminalSession>> active_;
    std::array<int, kTerminalRoles> to_launch_{};
    std::array<std::atomic<int>, kTerminalRoles> settled_{};
    std::atomic<int> abusive_open_{0};
    std::atomic<int> active_finished_{0};
    boost::asio::steady_timer probe_timer_{io_};
    std::string body_;
};

}  // namespace claimgate::simulators
