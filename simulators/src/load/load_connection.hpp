// File: load_connection.hpp
// One terminal's keep-alive HTTP/1.1 connection to the gateway, plain or mutual TLS, driven by
// C++20 coroutines on its shard's io_context.
//
// Deliberately minimal (one request in flight, Content-Length bodies only) so that the load
// generator spends its CPU on the gateway's behalf as little as possible: the request is built
// in a reused buffer and the reply is parsed in place, so steady-state requests do not allocate.
// Many connections share one thread, so a reply wakes no thread of its own (a thread per
// terminal cost a context switch per request, a fifth of the box at 256 terminals). Failures
// come back as values; nothing is thrown.
#pragma once

#include "load/load_options.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::simulators {

using LoadClock = std::chrono::steady_clock;

struct HttpReply {
    int status = 0;                 // 0 when the request failed in transport
    std::string_view body;          // valid until the next request on this connection
    const char* failure = nullptr;  // transport error code, e.g. "timeout", "connect_failed"
};

/// Where every connection of a run goes (read-only while it runs).
struct LoadEndpoint {
    boost::asio::ip::tcp::endpoint address;
    boost::asio::ssl::context* tls = nullptr;  // null for http://
    std::string host;                          // as in the URL: the server certificate's name
    std::string host_header;
};

/// The gateway URL's host as a socket address ("localhost" is 127.0.0.1).
[[nodiscard]] protocols::Result<boost::asio::ip::tcp::endpoint> loadEndpointAddress(
    const GatewayUrl& url);

class LoadConnection {
public:
    /// Nothing is connected until open() or the first request.
    LoadConnection(boost::asio::io_context& io, const LoadEndpoint& endpoint);
    ~LoadConnection();
    LoadConnection(const LoadConnection&) = delete;
    LoadConnection& operator=(const LoadConnection&) = delete;

    /// Sends one request and waits for its reply, (re)connecting first when needed. After a
    /// transport failure the connection is closed and the next call reconnects.
    boost::asio::awaitable<HttpReply> request(std::string_view method, std::string_view path,
                                              std::string_view body,
                                              std::string_view idempotency_key = {});

    /// Connects now (TCP and, for https, the TLS handshake) if not connected, so a later
    /// request does not pay for it. False if it failed; the failure is counted as for a
    /// request, and the next request tries again.
    boost::asio::awaitable<bool> open();

    /// The shard's watchdog calls this about once a second: a connect, handshake or exchange
    /// that has taken longer than kLoadIoTimeoutSeconds is cut off, and the waiting request
    /// fails with `timeout`.
    void closeIfStalled(LoadClock::time_point now) noexcept;

    /// Connections opened so far (1 for a healthy keep-alive run).
    [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }
    /// Consecutive failed connection attempts (reset by a successful one).
    [[nodiscard]] int connectFailures() const noexcept { return connect_failures_; }

private:
    using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

    /// nullptr when connected, else the failure's code.
    boost::asio::awaitable<const char*> connect();
    template <class Stream>
    boost::asio::awaitable<HttpReply> exchange(Stream& stream);
    void buildRequest(std::string_view method, std::string_view path, std::string_view body,
                      std::string_view idempotency_key);
    [[nodiscard]] const char* transportFailure(const boost::system::error_code& error) const;
    void close() noexcept;

    boost::asio::io_context& io_;
    const LoadEndpoint& endpoint_;
    std::optional<boost::asio::ip::tcp::socket> plain_;
    std::optional<TlsStream> tls_;
    bool connected_ = false;
    std::string request_;
    std::vector<char> buffer_;
    std::optional<LoadClock::time_point> busy_since_;  // set while connecting or exchanging
    bool timed_out_ = false;
    std::uint64_t connects_ = 0;
    int connect_failures_ = 0;
};

}  // namespace claimgate::simulators
