// File: transport.hpp
// The SDK's only network seam: one HTTP exchange with the gateway. The production
// implementation is HttpsTransport (POCO, mutual TLS); tests use a gmock (tests/mocks).
#pragma once

#include <memory>
#include <string>

namespace claimgate::sdk {

struct HttpRequest {
    std::string method;           ///< "GET" or "POST"
    std::string path;             ///< "/v1/claims/c_1/commit"
    std::string body;             ///< JSON; empty for GET
    std::string idempotency_key;  ///< sent as Idempotency-Key when not empty
};

struct HttpReply {
    int status = 0;       ///< 0: no HTTP answer (connect, TLS, timeout or reset)
    std::string body;
    std::string error;    ///< why there was no answer

    [[nodiscard]] bool answered() const noexcept { return status != 0; }
};

class Transport {
public:
    virtual ~Transport() = default;
    /// Never throws; transport failures come back as status 0.
    virtual HttpReply send(const HttpRequest& request) = 0;
};

using TransportPtr = std::unique_ptr<Transport>;

}  // namespace claimgate::sdk
