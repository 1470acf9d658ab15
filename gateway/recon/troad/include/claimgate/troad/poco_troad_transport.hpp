// File: poco_troad_transport.hpp
// TroadTransport over HTTPS with POCO: the information system side of the IS <-> security
// server link, authenticated with the gateway's client certificate (troad/client.pem/.key) and
// trusting the dev CA (ca.pem) for the security server's certificate.
//
//   auto endpoint = parseTroadUrl("https://127.0.0.1:8444");
//   auto transport = PocoTroadTransport::create(
//       PocoTroadTransportConfig::fromPkiDir("/path/pki", *endpoint));
#pragma once

#include <claimgate/troad/troad_limits.hpp>
#include <claimgate/troad/troad_transport.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace claimgate::troad {

struct TroadEndpoint {
    std::string host;
    std::uint16_t port = 0;
};

/// Parses "https://HOST:PORT" (the --troad argument). Errors: bad_field.
[[nodiscard]] protocols::Result<TroadEndpoint> parseTroadUrl(std::string_view url);

struct PocoTroadTransportConfig {
    TroadEndpoint endpoint;
    std::string ca_file;    // PEM; verifies the security server's certificate
    std::string cert_file;  // PEM client certificate; empty = no client certificate
    std::string key_file;
    std::chrono::milliseconds connect_timeout = kTroadConnectTimeoutDefault;
    std::chrono::milliseconds io_timeout = kTroadIoTimeoutDefault;
    std::size_t response_bytes_max = kTroadResponseBytesMax;
    int attempts = kTroadSendAttemptsMax;
    /// Wait before attempt n+1 is n * retry_backoff (small and linear: recon is a batch job).
    std::chrono::milliseconds retry_backoff{200};

    /// ca.pem, troad/client.pem and troad/client.key of a dev-pki.sh directory.
    static PocoTroadTransportConfig fromPkiDir(const std::string& pki_dir, TroadEndpoint endpoint);
};

class PocoTroadTransport final : public TroadTransport {
public:
    /// Loads the certificates and keys. Errors: internal, naming the file that failed.
    static protocols::Result<std::shared_ptr<PocoTroadTransport>> create(
        PocoTroadTransportConfig config);

    ~PocoTroadTransport() override;
    PocoTroadTransport(const PocoTroadTransport&) = delete;
    PocoTroadTransport& operator=(const PocoTroadTransport&) = delete;

    /// Thread-safe; requests are serialised over one keep-alive connection.
    protocols::Result<protocols::XroadResponse> send(
        const protocols::XroadRequest& request) override;

private:
    struct State;
    PocoTroadTransport(PocoTroadTransportConfig config, std::unique_ptr<State> state);

    protocols::Result<protocols::XroadResponse> sendOnce(const protocols::XroadRequest& request,
                                                         bool& retryable);

    PocoTroadTransportConfig config_;
    std::mutex mutex_;
    std::unique_ptr<State> state_;  // POCO types stay out of this header
};

}  // namespace claimgate::troad
