// File: http_connection.hpp
// One keep-alive HTTP/1.1 connection of the event-driven server (plain or TLS): a small object
// bound to one I/O thread, with bounded buffers and one deadline per phase (limits.hpp):
//   handshake + first request head .. kHeadDeadline   (silent / dribbling peers dropped)
//   waiting for the next request ..... idle timeout   (a reaping candidate near the node cap)
//   later request heads .............. head deadline from their first byte
//   body / reply ..................... kBodyDeadline / kWriteDeadline
// One timer per connection runs these deadlines (the TLS stream has none of its own); at a
// deadline the socket is closed, which aborts whatever operation was waiting. The timer is
// re-armed only when a deadline moves earlier than it (or when it fires early and finds the
// deadline moved later): a keep-alive request moves the deadline three times, and re-arming
// each time cost a timer-queue update, a cancelled wait's completion and often a
// timerfd_settime per request (docs/performance.md, front end).
// The next request is read only after the previous reply is written, so pipelined requests are
// answered in order. Only net/*.cpp include this (Beast is heavy to compile).
#pragma once

#include "net/connection_tracker.hpp"
#include "net/http_exchange.hpp"
#include "net/tls_socket_stream.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <claimgate/gateway/metrics.hpp>

namespace claimgate::gateway::net {

/// What every connection of one listener shares; kept alive by its connections.
struct ConnectionContext {
    ConnectionContext(RequestHandler& handler_in, const ConnectionBudget& budget,
                      Metrics& metrics_in, Listener listener_in,
                      std::chrono::milliseconds head_deadline_in,
                      std::chrono::milliseconds idle_timeout_in)
        : handler(handler_in),
          tracker(budget),
          metrics(metrics_in),
          listener(listener_in),
          head_deadline(head_deadline_in),
          idle_timeout(idle_timeout_in) {}

    RequestHandler& handler;
    ConnectionTracker tracker;
    Metrics& metrics;
    Listener listener;
    std::chrono::milliseconds head_deadline;
    std::chrono::milliseconds idle_timeout;
};

using TlsStream = TlsSocketStream;
using PlainStream = IoSocket;

template <class Stream>
class HttpConnection final : public ReapableConnection,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
public:
    HttpConnection(Stream stream, std::shared_ptr<ConnectionContext> context,
                   std::string peer_address);
    ~HttpConnection() override;
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    /// Begins the handshake (TLS) or the first read; `id` was admitted by the tracker. Call on
    /// the connection's own executor.
    void start(ConnectionTracker::Id id);
    void reap() override;

private:
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
    using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

    void onHandshake(boost::beast::error_code error);
    void readRequest();
    void onFirstBytes(boost::beast::error_code error, std::size_t bytes);
    void readHead();
    void onHead(boost::beast::error_code error);
    void readBody();
    void onBody(boost::beast::error_code error);
    void dispatchRequest();
    void writeResponse(HttpResponse reply);
    void onWritten(boost::beast::error_code error);
    /// Answers a framing error (400 / 413) and closes: the byte stream cannot be trusted.
    void refuse(int status, const std::string& message);
    void closeSocket();
    /// Replaces the running deadline; at `after` from now the connection is closed.
    void setDeadline(std::chrono::milliseconds after);
    /// Arms the timer to fire at `at` (cancelling the wait for the previous expiry).
    void armTimer(std::chrono::steady_clock::time_point at);
    /// The timer fired: closes the connection if its deadline has passed, else re-arms.
    void onTimer();
    /// The reply as bytes on the wire: status line with its reason phrase, fields, body.
    void formatResponse(const HttpResponse& reply);
    IoSocket& tcp();

    Stream stream_;
    IoTimer deadline_;
    /// When the connection is closed unless it moves on to its next phase first.
    std::chrono::steady_clock::time_point deadline_at_{};
    /// When the armed timer fires (never after deadline_at_); max() while none is armed.
    std::chrono::steady_clock::time_point timer_at_ = std::chrono::steady_clock::time_point::max();
    /// Counts armTimer calls: a timer that fired just before being re-armed is ignored.
    std::uint32_t deadline_generation_ = 0;
    std::shared_ptr<ConnectionContext> context_;
    PeerInfo peer_;
    ConnectionTracker::Id id_ = 0;
    boost::beast::flat_buffer buffer_;
    std::optional<Parser> parser_;
    std::string body_;
    std::size_t body_bytes_seen_ = 0;
    /// The reply being written; its capacity is kept between the requests of a connection
    /// (released when it goes idle holding more than kIdleReplyBufferBytesMax).
    std::string response_bytes_;
    bool writing_ = false;
    std::int64_t head_received_micros_ = 0;
    bool idle_ = false;
    bool close_after_write_ = false;
    bool closed_ = false;
    bool handshake_failure_counted_ = false;  // by the deadline, before closing
    bool handshaken_ = !kTls;
};

extern template class HttpConnection<TlsStream>;
extern template class HttpConnection<PlainStream>;

}  // namespace claimgate::gateway::net
