// File: load_shard.hpp
// One I/O thread of `claimgate-sim load` and the terminals it drives. A terminal never moves
// between shards, so its connection, timer and counters are only touched on this thread; the
// main thread reads the counters after join(). The run has phases (connect, load, audit): each
// start() spawns one coroutine per terminal and a watchdog that cuts off stalled exchanges.
#pragma once

#include "load/load_terminal.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace claimgate::simulators {

class LoadShard {
public:
    enum class Phase { connect, load, audit };

    LoadShard();
    ~LoadShard();
    LoadShard(const LoadShard&) = delete;
    LoadShard& operator=(const LoadShard&) = delete;

    [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
    void add(std::unique_ptr<LoadTerminal> terminal);
    [[nodiscard]] const std::vector<std::unique_ptr<LoadTerminal>>& terminals() const noexcept {
        return terminals_;
    }

    /// Runs `phase` for every terminal of the shard on the shard's thread (the audit checks at
    /// most `audit_limit` claims per terminal). Returns at once; join() waits.
    void start(Phase phase, std::size_t audit_limit = 0);
    /// Waits for the phase to end; returns when its last terminal finished.
    LoadClock::time_point join();

private:
    boost::asio::awaitable<void> runTerminal(LoadTerminal& terminal, Phase phase,
                                             std::size_t audit_limit);
    boost::asio::awaitable<void> watch();
    void terminalDone();

    boost::asio::io_context io_{1};  // one thread: no locks inside Asio
    boost::asio::steady_timer watchdog_{io_};
    std::vector<std::unique_ptr<LoadTerminal>> terminals_;
    std::size_t running_ = 0;  // this phase's terminals not yet finished (shard thread only)
    LoadClock::time_point finished_at_{};
    std::thread thread_;
};

}  // namespace claimgate::simulators
