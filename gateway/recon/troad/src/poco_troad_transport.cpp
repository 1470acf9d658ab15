// File: poco_troad_transport.cpp
#include <claimgate/troad/poco_troad_transport.hpp>

#include <claimgate/protocols/private_file.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>

#include <array>
#include <charconv>
#include <istream>
#include <mutex>
#include <ostream>
#include <thread>

namespace claimgate::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

struct PocoTroadTransport::State {
    Poco::Net::Context::Ptr context;
    std::unique_ptr<Poco::Net::HTTPSClientSession> session;
};

namespace {

constexpr std::size_t kReadChunkBytes = 64 * 1024;

void initialiseSslOnce(const Poco::Net::Context::Ptr& context) {
    static std::once_flag once;
    std::call_once(once, [&] {
        Poco::Net::initializeSSL();
        // A certificate that fails verification is rejected, never waved through by a
        // configuration default (there is no Poco::Util::Application in recon).
        Poco::Net::SSLManager::instance().initializeClient(
            nullptr, new Poco::Net::RejectCertificateHandler(false), context);
    });
}

Poco::Timespan toTimespan(std::chrono::milliseconds value) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(value.count()) * 1000);
}

}  // namespace

Result<TroadEndpoint> parseTroadUrl(std::string_view url) {
    constexpr std::string_view kScheme = "https://";
    if (url.substr(0, kScheme.size()) != kScheme) {
        return Status{ErrorCode::bad_field, "--troad must be https://HOST:PORT"};
    }
    std::string_view rest = url.substr(kScheme.size());
    if (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || rest.find('/') != std::string_view::npos) {
        return Status{ErrorCode::bad_field, "--troad must be https://HOST:PORT"};
    }
    const std::string_view port_text = rest.substr(colon + 1);
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
        return Status{ErrorCode::bad_field, "--troad port must be 1..65535"};
    }
    return TroadEndpoint{std::string(rest.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

PocoTroadTransportConfig PocoTroadTransportConfig::fromPkiDir(const std::string& pki_dir,
                                                              TroadEndpoint endpoint) {
    PocoTroadTransportConfig config;
    config.endpoint = std::move(endpoint);
    config.ca_file = pki_dir + "/ca.pem";
    config.cert_file = pki_dir + "/troad/client.pem";
    config.key_file = pki_dir + "/troad/client.key";
    return config;
}

Result<std::shared_ptr<PocoTroadTransport>> PocoTroadTransport::create(
    PocoTroadTransportConfig config) {
    if (config.endpoint.host.empty() || config.endpoint.port == 0) {
        return Status{ErrorCode::bad_field, "T-Road endpoint needs a host and a port"};
    }
    if (config.attempts < 1 || config.attempts > 10) {
        return Status{ErrorCode::bad_field, "T-Road transport attempts must be 1..10"};
    }
    // No key at all is a configuration the security server refuses at the handshake (and a
    // test shows it does); a key that is there must be readable by its owner only.
    if (!config.key_file.empty()) {
        if (Status owner_only = protocols::requireOwnerOnlyFile(config.key_file, "T-Road TLS key");
            !owner_only.ok()) {
            return owner_only;
        }
    }
    auto state = std::make_unique<State>();
    try {
        state->context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, config.key_file,
                                                config.cert_file, config.ca_file,
                                                Poco::Net::Context::VERIFY_STRICT, 9, false);
        state->context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        initialiseSslOnce(state->context);
    } catch (const Poco::Exception& e) {
        return Status{ErrorCode::internal, "cannot load T-Road TLS material (ca " + config.ca_file +
                                               ", cert " + config.cert_file + ", key " +
                                               config.key_file + "): " + e.displayText()};
    }
    return std::shared_ptr<PocoTroadTransport>(
        new PocoTroadTransport(std::move(config), std::move(state)));
}

PocoTroadTransport::PocoTroadTransport(PocoTroadTransportConfig config,
                                       std::unique_ptr<State> state)
    : config_(std::move(config)), state_(std::move(state)) {}

PocoTroadTransport::~PocoTroadTransport() = default;

Result<protocols::XroadResponse> PocoTroadTransport::send(const protocols::XroadRequest& request) {
    if (request.body.size() > kTroadRequestBytesMax) {
        return Status{
            ErrorCode::body_too_large,
            "request body larger than " + std::to_string(kTroadRequestBytesMax) + " bytes"};
    }
    const std::lock_guard lock(mutex_);
    Status last{ErrorCode::not_ready, "not sent"};
    for (int attempt = 1; attempt <= config_.attempts; ++attempt) {
        bool retryable = false;
        auto response = sendOnce(request, retryable);
        if (response.ok() || !retryable) {
            return response;
        }
        last = response.status();
        state_->session.reset();  // never reuse a connection in an unknown state
        if (attempt < config_.attempts) {
            std::this_thread::sleep_for(config_.retry_backoff * attempt);
        }
    }
    return Status{last.code(),
                  last.message() + " (after " + std::to_string(config_.attempts) + " attempts)",
                  last.detail()};
}

Result<protocols::XroadResponse> PocoTroadTransport::sendOnce(
    const protocols::XroadRequest& request, bool& retryable) {
    retryable = false;
    const std::string where = config_.endpoint.host + ":" + std::to_string(config_.endpoint.port);
    try {
        if (!state_->session) {
            state_->session = std::make_unique<Poco::Net::HTTPSClientSession>(
                config_.endpoint.host, config_.endpoint.port, state_->context);
            state_->session->setTimeout(toTimespan(config_.connect_timeout),
                                        toTimespan(config_.io_timeout),
                                        toTimespan(config_.io_timeout));
            state_->session->setKeepAlive(true);
        }
        Poco::Net::HTTPRequest http_request(request.method, request.target,
                                            Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& header : request.headers.all()) {
            http_request.add(header.name, header.value);
        }
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
            http_request.setContentLength(static_cast<std::streamsize>(request.body.size()));
        }
        std::ostream& out = state_->session->sendRequest(http_request);
        out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
        out.flush();

        Poco::Net::HTTPResponse http_response;
        std::istream& in = state_->session->receiveResponse(http_response);
        if (http_response.hasContentLength() &&
            http_response.getContentLength64() >
                static_cast<Poco::Int64>(config_.response_bytes_max)) {
            state_->session.reset();
            return Status{ErrorCode::body_too_large,
                          "response from " + where + " announces " +
                              std::to_string(http_response.getContentLength64()) +
                              " bytes, limit " + std::to_string(config_.response_bytes_max)};
        }
        protocols::XroadResponse response;
        response.status = static_cast<int>(http_response.getStatus());
        response.reason = http_response.getReason();
        for (const auto& [name, value] : http_response) {
            response.headers.add(name, value);
        }
        std::array<char, kReadChunkBytes> chunk{};
        while (in) {
            in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            const auto count = static_cast<std::size_t>(in.gcount());
            if (response.body.size() + count > config_.response_bytes_max) {
                state_->session.reset();  // the rest is unread: this connection is unusable
                return Status{ErrorCode::body_too_large,
                              "response from " + where + " exceeds " +
                                  std::to_string(config_.response_bytes_max) + " bytes"};
            }
            response.body.append(chunk.data(), count);
        }
        if (in.bad()) {
            retryable = true;
            return Status{ErrorCode::not_ready, "connection to " + where + " broke mid-response"};
        }
        if (!http_response.getKeepAlive()) {
            state_->session.reset();
        }
        return response;
    } catch (const Poco::Net::CertificateValidationException& e) {
        return Status{ErrorCode::not_ready,
                      "T-Road server certificate rejected (" + where + "): " + e.displayText()};
    } catch (const Poco::TimeoutException& e) {
        retryable = true;
        return Status{ErrorCode::not_ready, "timeout talking to " + where + ": " + e.displayText()};
    } catch (const Poco::Exception& e) {
        // Refused, reset, TLS alert, no message: all leave no response, so repeating is safe.
        retryable = true;
        return Status{ErrorCode::not_ready,
                      "cannot reach T-Road at " + where + ": " + e.displayText()};
    } catch (const std::exception& e) {
        retryable = true;
        return Status{ErrorCode::not_ready, "cannot reach T-Road at " + where + ": " + e.what()};
    }
}

}  // namespace claimgate::troad
