// File: https_transport.hpp
// Transport over Boost.Beast + Asio's OpenSSL stream with the terminal's certificate (mutual
// TLS, the gateway verified against the CA and by host name). One kept-alive connection per
// client, shared by the caller's requests and the background sender; every exchange ends by the
// request's deadline, retries and failover included (asynchronous operations driven until the
// deadline, then cancelled: no per-phase timeout can add up behind the caller's back).
//
// Several gateway URLs are tried in order: a URL that failed to connect rests for a backoff
// (kEndpointBackoff*) before it is preferred again.
#pragma once

#include "deadline_mutex.hpp"
#include "transport.hpp"

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace claimgate::sdk {

struct HttpsTransportConfig {
    std::vector<std::string> gateway_urls;  ///< https://host:port, in order of preference
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::uint32_t timeout_ms = 5000;
};

class HttpsTransport final : public Transport {
public:
    /// Checks the URLs and loads the TLS context (certificate, key, CA); errors name the file.
    static protocols::Result<std::shared_ptr<HttpsTransport>> create(
        const HttpsTransportConfig& config);
    ~HttpsTransport() override;
    HttpsTransport(const HttpsTransport&) = delete;
    HttpsTransport& operator=(const HttpsTransport&) = delete;

    HttpReply send(const HttpRequest& request) override;
    void closeIfIdle() override;

private:
    struct Impl;
    explicit HttpsTransport(std::unique_ptr<Impl> impl);

    DeadlineMutex mutex_;  // one exchange at a time on the one connection
    std::unique_ptr<Impl> impl_;
};

/// Splits cg_config.gateway_url: one URL, or several separated by commas or blanks.
std::vector<std::string> splitGatewayUrls(const std::string& text);

}  // namespace claimgate::sdk
