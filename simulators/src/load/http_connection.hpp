// File: http_connection.hpp
// One terminal's keep-alive HTTP/1.1 connection to the gateway, plain or mutual TLS.
//
// Deliberately minimal (one request in flight, Content-Length bodies only) so that the load
// generator spends its CPU on the gateway's behalf as little as possible: the request is built
// in a reused buffer and the reply is parsed in place, so steady-state requests do not allocate.
// POCO exceptions stop here; failures come back as values.
#pragma once

#include "load/load_options.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::simulators {

struct HttpReply {
    int status = 0;                 // 0 when the request failed in transport
    std::string_view body;          // valid until the next request on this connection
    const char* failure = nullptr;  // transport error code, e.g. "timeout", "connect_failed"
};

class HttpConnection {
public:
    /// `tls_context` is null for http://. Nothing is connected until the first request.
    HttpConnection(GatewayUrl url, Poco::Net::Context::Ptr tls_context);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    /// Sends one request and waits for its reply, (re)connecting first when needed. After a
    /// transport failure the connection is closed and the next call reconnects.
    HttpReply request(std::string_view method, std::string_view path, std::string_view body,
                      std::string_view idempotency_key = {});

    /// Connects now (TCP and, for https, the TLS handshake) if not connected, so a later
    /// request does not pay for it. False if it failed; the failure is counted as for a
    /// request, and the next request tries again.
    bool open();

    /// Connections opened so far (1 for a healthy keep-alive run).
    [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }
    /// Consecutive failed connection attempts (reset by a successful one).
    [[nodiscard]] int connectFailures() const noexcept { return connect_failures_; }

private:
    bool connect(const char*& failure);
    void close() noexcept;
    HttpReply receive();

    GatewayUrl url_;
    Poco::Net::Context::Ptr tls_context_;
    std::unique_ptr<Poco::Net::StreamSocket> socket_;
    std::string host_header_;
    std::string request_;
    std::vector<char> buffer_;
    std::uint64_t connects_ = 0;
    int connect_failures_ = 0;
};

}  // namespace claimgate::simulators
