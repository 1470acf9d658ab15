// File: transport.hpp
// The SDK's only network seam: one HTTP exchange with the gateway, bounded by the request's
// deadline. The production implementation is HttpsTransport (Boost.Beast over OpenSSL, mutual
// TLS); tests use a gmock or a scripted double (tests/mocks).
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace claimgate::sdk {

using SteadyTime = std::chrono::steady_clock::time_point;

struct HttpRequest {
    std::string method;           ///< "GET" or "POST"
    std::string path;             ///< "/v1/claims/c_1/commit"
    std::string body;             ///< JSON; empty for GET
    std::string idempotency_key;  ///< sent as Idempotency-Key when not empty
    /// The whole exchange (connection wait, connect, handshake, retries, failover) ends by
    /// then; the default (epoch) means "the transport's own timeout from now".
    SteadyTime deadline{};
};

/// Why there was no HTTP answer. `trust` is a certificate problem on either side (the gateway
/// is not who the CA says, or it refused this terminal's certificate): retrying cannot help.
enum class TransportFailure { none, unreachable, timeout, trust };

struct HttpReply {
    int status = 0;  ///< 0: no HTTP answer (connect, TLS, timeout or reset)
    std::string body;
    std::string error;  ///< why there was no answer
    TransportFailure failure = TransportFailure::none;

    [[nodiscard]] bool answered() const noexcept { return status != 0; }
    [[nodiscard]] bool trustFailure() const noexcept { return failure == TransportFailure::trust; }
};

class Transport {
public:
    virtual ~Transport() = default;
    /// Never throws; transport failures come back as status 0 with `failure` set.
    virtual HttpReply send(const HttpRequest& request) = 0;
    /// Closes a kept-alive connection unused for longer than the gateway keeps it (called by
    /// the background sender between rounds); the next send reconnects quietly.
    virtual void closeIfIdle() {}
};

using TransportPtr = std::shared_ptr<Transport>;

}  // namespace claimgate::sdk
