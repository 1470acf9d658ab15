// File: gateway_test_client.hpp
// An HTTP(S) client for gateway tests: presents a terminal certificate (or none, or one of an
// unknown CA) over real TLS and returns status, headers and the parsed JSON body. Transport
// failures (refused handshake, reset) come back as status 0 with `error` set, never throw.
// One client = one keep-alive connection: use one per thread.
#pragma once

#include <nlohmann/json.hpp>

#include <Poco/Net/Context.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace Poco::Net {
class HTTPClientSession;
}

namespace claimgate::testing {

struct HttpReply {
    int status = 0;                              // 0 = no HTTP answer (see error)
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    nlohmann::json json;  // discarded (is_discarded()) when the body is not JSON
    std::string error;

    /// error.code of an error envelope, "" otherwise.
    [[nodiscard]] std::string code() const;
    [[nodiscard]] std::string header(const std::string& lower_name) const;
    /// A one-line description for assertion messages.
    [[nodiscard]] std::string describe() const;
};

class GatewayTestClient {
public:
    enum class Identity { terminal, none, untrusted };

    /// mTLS client of the API listener as terminal `terminal_id` (dev PKI name).
    static GatewayTestClient forTerminal(std::uint16_t port, const std::string& terminal_id);
    /// mTLS client without a client certificate.
    static GatewayTestClient withoutCertificate(std::uint16_t port);
    /// Client whose certificate was issued by the untrusted CA of the dev PKI.
    static GatewayTestClient untrusted(std::uint16_t port);
    /// Plain HTTP (admin and bench listeners).
    static GatewayTestClient plain(std::uint16_t port);

    GatewayTestClient(GatewayTestClient&&) noexcept;
    GatewayTestClient& operator=(GatewayTestClient&&) noexcept;
    ~GatewayTestClient();

    HttpReply get(const std::string& path);
    HttpReply post(const std::string& path, const std::string& body,
                   const std::optional<std::string>& idempotency_key = std::nullopt);
    HttpReply post(const std::string& path, const nlohmann::json& body,
                   const std::optional<std::string>& idempotency_key = std::nullopt) {
        return post(path, body.dump(), idempotency_key);
    }
    HttpReply request(const std::string& method, const std::string& path, const std::string& body,
                      const std::map<std::string, std::string>& headers = {});

private:
    GatewayTestClient(std::uint16_t port, Poco::Net::Context::Ptr context);
    void connect();

    std::uint16_t port_;
    Poco::Net::Context::Ptr context_;  // null = plain HTTP
    std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace claimgate::testing
