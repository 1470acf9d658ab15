// File: https_transport.hpp
// Transport over POCO HTTPSClientSession with the terminal's certificate (mutual TLS, strict
// verification of the gateway against the CA), keep-alive reuse and bounded timeouts.
#pragma once

#include "transport.hpp"

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace claimgate::sdk {

struct HttpsTransportConfig {
    std::string gateway_url;  ///< https://host:port
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::uint32_t timeout_ms = 5000;
};

class HttpsTransport final : public Transport {
public:
    /// Checks the URL and loads the TLS context (certificate, key, CA); errors name the file.
    static protocols::Result<std::unique_ptr<HttpsTransport>> create(
        const HttpsTransportConfig& config);
    ~HttpsTransport() override;

    HttpReply send(const HttpRequest& request) override;

private:
    struct Impl;
    explicit HttpsTransport(std::unique_ptr<Impl> impl);
    HttpReply exchange(const HttpRequest& request, bool& reused_connection);

    std::mutex mutex_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace claimgate::sdk
