#include "load/load_shard.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace claimgate::simulators {

LoadShard::LoadShard() = default;

LoadShard::~LoadShard() {
    if (thread_.joinable()) thread_.join();
}

void LoadShard::add(std::unique_ptr<LoadTerminal> terminal) {
    terminals_.push_back(std::move(terminal));
}

void LoadShard::start(Phase phase, std::size_t audit_limit) {
    io_.restart();
    running_ = terminals_.size();
    finished_at_ = LoadClock::now();
    for (const auto& terminal : terminals_) {
        LoadTerminal* owner = terminal.get();
        boost::asio::co_spawn(io_, runTerminal(*owner, phase, audit_limit),
                              [this, owner](const std::exception_ptr& error) {
                                  // Only an allocation failure can get here: every I/O error
                                  // is a value. The terminal's count shows it; the run goes on.
                                  if (error) owner->noteAbandoned("generator_exception");
                                  terminalDone();
                              });
    }
    if (running_ > 0) {
        boost::asio::co_spawn(io_, watch(), [](const std::exception_ptr&) {});
    }
    thread_ = std::thread([this] { io_.run(); });
}

LoadClock::time_point LoadShard::join() {
    if (thread_.joinable()) thread_.join();
    return finished_at_;
}

boost::asio::awaitable<void> LoadShard::runTerminal(LoadTerminal& terminal, Phase phase,
                                                    std::size_t audit_limit) {
    switch (phase) {
        case Phase::connect:
            co_await terminal.connectAhead();
            break;
        case Phase::load:
            co_await terminal.run();
            break;
        case Phase::audit:
            co_await terminal.auditByHttp(audit_limit);
            break;
    }
}

void LoadShard::terminalDone() {
    if (--running_ > 0) return;
    finished_at_ = LoadClock::now();
    watchdog_.cancel();  // the watchdog's wait ends and it sees nothing left to watch
}

boost::asio::awaitable<void> LoadShard::watch() {
    while (running_ > 0) {
        watchdog_.expires_after(std::chrono::seconds(1));
        boost::system::error_code cancelled;
        co_await watchdog_.async_wait(
            boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
        const auto now = LoadClock::now();
        for (const auto& terminal : terminals_) terminal->connection().closeIfStalled(now);
    }
}

}  // namespace claimgate::simulators
