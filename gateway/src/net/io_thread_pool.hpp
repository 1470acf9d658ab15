// File: io_thread_pool.hpp
// A fixed set of I/O threads, each running its own io_context. A connection is bound to one
// context for its whole life, so its handlers never run concurrently and need no strand; the
// ledger writer's completions are posted back to that context.
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace claimgate::gateway::net {

/// The executor of one I/O thread's context. Connection sockets and timers name it by its
/// concrete type: with Asio's default, the type-erased any_io_executor, every operation paid
/// for copying, destroying and querying the erased executor (docs/performance.md, front end).
using IoExecutor = boost::asio::io_context::executor_type;
using IoSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;
using IoTimer =
    boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                      boost::asio::wait_traits<std::chrono::steady_clock>,
                                      IoExecutor>;

class IoThreadPool {
public:
    /// `threads` >= 1; `name` prefixes the thread names seen in top/perf (15 chars max).
    IoThreadPool(int threads, std::string name);
    ~IoThreadPool();
    IoThreadPool(const IoThreadPool&) = delete;
    IoThreadPool& operator=(const IoThreadPool&) = delete;

    void start();
    /// Stops every context and joins the threads. Idempotent.
    void stop();

    /// Round-robin choice of a context for a new connection.
    boost::asio::io_context& next();
    /// The first context: acceptors and timers live there.
    boost::asio::io_context& primary() { return *contexts_.front(); }
    [[nodiscard]] std::size_t size() const { return contexts_.size(); }

private:
    using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::string name_;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<WorkGuard> guards_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> next_{0};
    bool stopped_ = false;
};

}  // namespace claimgate::gateway::net
