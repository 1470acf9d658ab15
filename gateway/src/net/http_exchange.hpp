// File: http_exchange.hpp
// What the event-driven server hands to the application and gets back: one parsed request
// (bounded: head <= kRequestHeadBytesMax, body <= kRequestBodyBytesMax) and one reply. The
// application answers through a ReplySink exactly once, from any thread.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace claimgate::gateway::net {

/// The TLS peer of a connection, fixed at the handshake. `certificate` is null on plain
/// listeners. Application caches (the terminal identity) ride along per connection.
struct PeerInfo {
    std::string address;  // IP of the peer, no port
    std::shared_ptr<X509> certificate;
    /// Per-connection cache owned by the application (e.g. the identity derived from the
    /// certificate and the trust generation it was derived under). Touched only on the
    /// connection's own I/O thread.
    std::shared_ptr<void> application_cache;
};

struct HttpRequest {
    std::string method;
    std::string target;  // path and query, <= kRequestTargetBytesMax
    std::string body;
    /// True when the body exceeded kRequestBodyBytesMax (and was discarded): answer 413.
    bool body_too_large = false;
    std::optional<std::string> idempotency_key;
    std::optional<std::string> authorization;
    std::int64_t received_micros = 0;  // steady clock, when the head was complete
};

struct HttpResponse {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    int retry_after_s = 0;  // > 0 adds Retry-After
    bool close = false;     // close the connection after this reply
};

/// Called exactly once per request; may be called inline or from another thread.
using ReplySink = std::function<void(HttpResponse)>;

/// The application behind a listener. handle() runs on the connection's I/O thread and must not
/// block: long work is handed elsewhere and answered through the sink.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    virtual void handle(HttpRequest request, PeerInfo& peer, ReplySink reply) = 0;
};

}  // namespace claimgate::gateway::net
