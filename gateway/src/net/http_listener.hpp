// File: http_listener.hpp
// One listening socket of the event-driven server: accepts on its pool's first I/O thread,
// admits each connection against the listener's ConnectionBudget (near the cap the longest-idle
// keep-alive connection is closed first; beyond it the new connection is closed at once) and
// hands it to an I/O thread round-robin. TLS listeners take the current TLS context for each
// new connection, so a reloaded CA bundle applies to new handshakes while old connections stay.
#pragma once

#include <claimgate/protocols/status.hpp>

#include "net/connection_tracker.hpp"
#include "net/http_exchange.hpp"
#include "net/io_thread_pool.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <claimgate/gateway/metrics.hpp>

namespace claimgate::gateway::net {

struct ConnectionContext;

struct ListenerSettings {
    std::string address;                // host:port, [v6]:port; port 0 = any free port
    Listener listener = Listener::api;  // the metrics label
    ConnectionBudget budget;
    std::chrono::milliseconds head_deadline{0};
    std::chrono::milliseconds idle_timeout{0};
};

class HttpListener {
public:
    /// Null for a plain-HTTP listener; otherwise called once per accepted connection.
    using TlsContextSource = std::function<std::shared_ptr<boost::asio::ssl::context>()>;

    /// Binds now (so the port is known and a bad address fails at start-up); accepting begins
    /// when the pool runs. `handler` and `metrics` must outlive the pool's threads.
    static protocols::Result<std::unique_ptr<HttpListener>> open(IoThreadPool& pool,
                                                                 const ListenerSettings& settings,
                                                                 RequestHandler& handler,
                                                                 Metrics& metrics,
                                                                 TlsContextSource tls);
    ~HttpListener();
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::size_t openConnections() const;

private:
    HttpListener(IoThreadPool& pool, std::shared_ptr<ConnectionContext> context,
                 TlsContextSource tls);
    void accept();
    void onAccept(boost::system::error_code error, IoSocket socket);

    IoThreadPool& pool_;
    std::shared_ptr<ConnectionContext> context_;
    TlsContextSource tls_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;
    std::uint16_t port_ = 0;
};

/// "host:port" -> endpoint (numeric addresses, `localhost`, `[::1]:port`).
protocols::Result<boost::asio::ip::tcp::endpoint> parseEndpoint(const std::string& address);

}  // namespace claimgate::gateway::net
