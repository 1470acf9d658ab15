// File: https_transport.cpp
#include "https_transport.hpp"

#include "sdk_limits.hpp"
#include "tls_credentials.hpp"

// GCC's -Wnull-dereference flags Asio's own scheduler code after inlining (a false positive in
// Boost 1.74's headers); silenced for those headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#pragma GCC diagnostic pop

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>

namespace claimgate::sdk {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Endpoint {
    std::string url;
    std::string host;
    std::string port;
    std::uint32_t failures = 0;
    SteadyTime resting_until{};
};

Result<Endpoint> parseUrl(const std::string& url) {
    constexpr std::string_view kScheme = "https://";
    const auto bad = [&url](const std::string& why) {
        return Status(ErrorCode::bad_field,
                      "gateway_url '" + url + "' " + why + " (expected https://host:port)");
    };
    if (url.rfind(kScheme, 0) != 0) {
        return bad("does not start with https://");
    }
    std::string rest = url.substr(kScheme.size());
    if (const auto slash = rest.find('/'); slash != std::string::npos) {
        if (rest.find_first_not_of('/', slash) != std::string::npos) {
            return bad("has a path");
        }
        rest.resize(slash);
    }
    Endpoint endpoint;
    endpoint.url = url;
    endpoint.port = "443";
    if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
        const auto close = rest.find(']');
        if (close == std::string::npos) {
            return bad("has an unclosed [");
        }
        endpoint.host = rest.substr(1, close - 1);
        rest = rest.substr(close + 1);
        if (!rest.empty() && rest.front() == ':') {
            endpoint.port = rest.substr(1);
        } else if (!rest.empty()) {
            return bad("has text after ]");
        }
    } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
        endpoint.host = rest.substr(0, colon);
        endpoint.port = rest.substr(colon + 1);
    } else {
        endpoint.host = rest;
    }
    if (endpoint.host.empty()) {
        return bad("has no host");
    }
    if (endpoint.port.empty() || endpoint.port.size() > 5 ||
        !std::all_of(endpoint.port.begin(), endpoint.port.end(),
                     [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoul(endpoint.port) == 0 || std::stoul(endpoint.port) > 65535) {
        return bad("has no valid port");
    }
    return endpoint;
}

// A certificate problem on either side: retrying the same files cannot succeed.
bool isTrustFailure(const beast::error_code& error) {
    if (error.category() != asio::error::get_ssl_category()) {
        return false;
    }
    switch (ERR_GET_REASON(static_cast<unsigned long>(error.value()))) {
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
        case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
        case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return true;
        default:
            return false;
    }
}

HttpReply failed(TransportFailure failure, std::string error) {
    HttpReply reply;
    reply.failure = failure;
    reply.error = std::move(error);
    return reply;
}

std::int64_t millisecondsLeft(SteadyTime deadline) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

}  // namespace

std::vector<std::string> splitGatewayUrls(const std::string& text) {
    std::vector<std::string> urls;
    std::string current;
    for (char c : text) {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (!current.empty()) {
                urls.push_back(current);
                current.clear();
            }
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty()) {
        urls.push_back(current);
    }
    return urls;
}

struct HttpsTransport::Impl {
    using Stream = beast::ssl_stream<beast::tcp_stream>;

    // One attempt's result: whether it may be repeated at once on a fresh connection.
    struct Attempt {
        HttpReply reply;
        bool stale_connection = false;  ///< kept-alive connection dead before any reply byte
    };

    ssl::context context{ssl::context::tls_client};
    std::vector<Endpoint> endpoints;
    std::chrono::milliseconds timeout{kTimeoutMillisecondsDefault};
    asio::io_context io;
    std::unique_ptr<Stream> stream;  // after io and context: destroyed first
    beast::flat_buffer buffer;
    std::size_t connected_to = 0;
    SteadyTime last_used{};
    bool connection_used = false;

    void close() {
        if (stream) {
            beast::error_code ignored;
            beast::get_lowest_layer(*stream).socket().close(ignored);
            stream.reset();
        }
        buffer.clear();
        connection_used = false;
    }

    // Drives the pending asynchronous operation until it completes or the deadline passes;
    // then the socket (and resolver) are closed and the aborted handlers drained, so nothing
    // outlives the call. True when the operation completed in time.
    bool runUntil(SteadyTime deadline, tcp::resolver* resolver = nullptr) {
        io.restart();
        io.run_until(deadline);
        if (io.stopped()) {
            return true;
        }
        if (resolver != nullptr) {
            resolver->cancel();
        }
        if (stream) {
            beast::error_code ignored;
            beast::get_lowest_layer(*stream).socket().close(ignored);
        }
        io.restart();
        io.run();
        return false;
    }

    void rest(std::size_t index) {
        Endpoint& endpoint = endpoints[index];
        endpoint.failures = std::min<std::uint32_t>(endpoint.failures + 1, 16);
        std::int64_t wait = kEndpointBackoffInitialMilliseconds;
        for (std::uint32_t i = 1; i < endpoint.failures && wait < kEndpointBackoffMaxMilliseconds;
             ++i) {
            wait *= 2;
        }
        wait = std::min<std::int64_t>(wait, kEndpointBackoffMaxMilliseconds);
        endpoint.resting_until = Clock::now() + std::chrono::milliseconds(wait);
    }

    // Connected endpoint first, then those not resting in configured order, then the resting
    // ones (a single gateway is always tried).
    std::vector<std::size_t> order() const {
        std::vector<std::size_t> result;
        if (stream) {
            result.push_back(connected_to);
        }
        const auto now = Clock::now();
        for (int pass = 0; pass < 2; ++pass) {
            for (std::size_t i = 0; i < endpoints.size(); ++i) {
                const bool resting = endpoints[i].resting_until > now;
                if ((pass == 0) != resting &&
                    std::find(result.begin(), result.end(), i) == result.end()) {
                    result.push_back(i);
                }
            }
        }
        return result;
    }

    HttpReply connect(std::size_t index, SteadyTime deadline) {
        close();
        const Endpoint& endpoint = endpoints[index];
        stream = std::make_unique<Stream>(io, context);
        beast::error_code address_error;
        (void)asio::ip::make_address(endpoint.host, address_error);
        if (address_error) {  // a name, not an address: SNI
            SSL_ctrl(stream->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                     TLSEXT_NAMETYPE_host_name,
                     static_cast<void*>(const_cast<char*>(endpoint.host.c_str())));
        }
        stream->set_verify_callback(ssl::host_name_verification(endpoint.host));

        beast::error_code error;
        tcp::resolver resolver(io);
        tcp::resolver::results_type addresses;
        resolver.async_resolve(endpoint.host, endpoint.port,
                               [&](const beast::error_code& e, tcp::resolver::results_type r) {
                                   error = e;
                                   addresses = std::move(r);
                               });
        if (!runUntil(deadline, &resolver)) {
            close();
            return failed(TransportFailure::timeout,
                          "resolving " + endpoint.host + " did not finish by the deadline");
        }
        if (error) {
            close();
            return failed(TransportFailure::unreachable,
                          "cannot resolve " + endpoint.host + ": " + error.message());
        }
        beast::get_lowest_layer(*stream).async_connect(
            addresses, [&](const beast::error_code& e, const tcp::endpoint&) { error = e; });
        if (!runUntil(deadline)) {
            close();
            return failed(TransportFailure::timeout,
                          "connecting to " + endpoint.url + " did not finish by the deadline");
        }
        if (error) {
            close();
            return failed(TransportFailure::unreachable,
                          "cannot connect to " + endpoint.url + ": " + error.message());
        }
        beast::error_code ignored;
        beast::get_lowest_layer(*stream).socket().set_option(tcp::no_delay(true), ignored);
        stream->async_handshake(ssl::stream_base::client,
                                [&](const beast::error_code& e) { error = e; });
        if (!runUntil(deadline)) {
            close();
            return failed(TransportFailure::timeout,
                          "TLS handshake with " + endpoint.url + " did not finish by the deadline");
        }
        if (error) {
            close();
            return failed(
                isTrustFailure(error) ? TransportFailure::trust : TransportFailure::unreachable,
                "TLS handshake with " + endpoint.url + " failed: " + error.message());
        }
        connected_to = index;
        connection_used = false;
        return {};
    }

    Attempt exchange(const HttpRequest& request, SteadyTime deadline) {
        Attempt attempt;
        const bool reused = connection_used;
        const Endpoint& endpoint = endpoints[connected_to];
        http::request<http::string_body> message(
            request.method == "POST" ? http::verb::post : http::verb::get, request.path, 11);
        message.set(http::field::host, endpoint.host + ":" + endpoint.port);
        message.set(http::field::user_agent, "claimgate-sdk");
        message.keep_alive(true);
        if (!request.idempotency_key.empty()) {
            message.set("Idempotency-Key", request.idempotency_key);
        }
        if (request.method == "POST") {
            message.set(http::field::content_type, "application/json");
            message.body() = request.body;
        }
        message.prepare_payload();
        connection_used = true;

        beast::error_code error;
        http::async_write(*stream, message,
                          [&](const beast::error_code& e, std::size_t) { error = e; });
        if (!runUntil(deadline)) {
            close();
            attempt.reply =
                failed(TransportFailure::timeout,
                       "sending to " + endpoint.url + " did not finish by the deadline");
            return attempt;
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(kResponseBodyBytesMax);
        parser.header_limit(kResponseHeaderBytesMax);
        if (!error) {
            http::async_read(*stream, buffer, parser,
                             [&](const beast::error_code& e, std::size_t) { error = e; });
            if (!runUntil(deadline)) {
                close();
                attempt.reply = failed(TransportFailure::timeout,
                                       "no answer from " + endpoint.url + " by the deadline");
                return attempt;
            }
        }
        if (error) {
            const bool trust = isTrustFailure(error);
            attempt.stale_connection = reused && !trust && !parser.got_some();
            close();
            attempt.reply = failed(trust ? TransportFailure::trust : TransportFailure::unreachable,
                                   "exchange with " + endpoint.url + " failed: " + error.message());
            return attempt;
        }
        auto response = parser.release();
        attempt.reply.status = static_cast<int>(response.result_int());
        attempt.reply.body = std::move(response.body());
        last_used = Clock::now();
        if (!response.keep_alive()) {
            close();
        }
        return attempt;
    }

    HttpReply send(const HttpRequest& request, SteadyTime deadline) {
        if (stream && Clock::now() - last_used > kConnectionIdleClose) {
            close();  // the gateway has dropped it by now; do not find out the slow way
        }
        HttpReply last = failed(TransportFailure::timeout, "the deadline passed before sending");
        for (const std::size_t index : order()) {
            if (Clock::now() >= deadline) {
                break;
            }
            for (int round = 0; round < 2; ++round) {
                if (!stream || connected_to != index) {
                    HttpReply connected = connect(index, deadline);
                    if (connected.failure != TransportFailure::none) {
                        last = std::move(connected);
                        break;
                    }
                }
                Attempt attempt = exchange(request, deadline);
                if (attempt.reply.answered()) {
                    endpoints[index].failures = 0;
                    endpoints[index].resting_until = {};
                    return std::move(attempt.reply);
                }
                last = std::move(attempt.reply);
                if (!attempt.stale_connection) {
                    break;
                }
            }
            if (last.failure == TransportFailure::trust) {
                return last;  // the same files fail at every gateway of this PKI
            }
            rest(index);
            if (last.failure == TransportFailure::timeout) {
                break;
            }
        }
        if (last.failure == TransportFailure::timeout && millisecondsLeft(deadline) <= 0) {
            last.error += " (deadline of the call reached)";
        }
        return last;
    }
};

HttpsTransport::HttpsTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsTransport::~HttpsTransport() {
    std::lock_guard lock(mutex_);
    impl_->close();
}

Result<std::shared_ptr<HttpsTransport>> HttpsTransport::create(const HttpsTransportConfig& config) {
    auto impl = std::make_unique<Impl>();
    if (config.gateway_urls.empty()) {
        return Status(ErrorCode::missing_field, "gateway_url is empty");
    }
    if (config.gateway_urls.size() > kGatewayUrlsMax) {
        return Status(ErrorCode::bad_field,
                      "gateway_url lists " + std::to_string(config.gateway_urls.size()) +
                          " URLs; at most " + std::to_string(kGatewayUrlsMax));
    }
    for (const auto& url : config.gateway_urls) {
        auto endpoint = parseUrl(url);
        if (!endpoint.ok()) {
            return endpoint.status();
        }
        impl->endpoints.push_back(std::move(endpoint).value());
    }
    if (auto checked = checkTerminalCredentials(config.cert_file, config.key_file, config.ca_file);
        !checked.ok()) {
        return checked;
    }
    try {
        SSL_CTX* native = impl->context.native_handle();
        SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
        if (SSL_CTX_set_cipher_list(native, "HIGH:!aNULL:!MD5:!RC4") != 1) {
            return Status(ErrorCode::internal, "TLS setup: cipher list refused by OpenSSL");
        }
        impl->context.load_verify_file(config.ca_file);
        impl->context.use_certificate_chain_file(config.cert_file);
        impl->context.use_private_key_file(config.key_file, ssl::context::pem);
        impl->context.set_verify_mode(ssl::verify_peer);
    } catch (const boost::system::system_error& error) {
        return Status(ErrorCode::bad_field, "TLS setup (cert_file " + config.cert_file +
                                                ", key_file " + config.key_file + ", ca_file " +
                                                config.ca_file + "): " + error.what());
    }
    if (config.timeout_ms > kTimeoutMillisecondsMax) {
        // A timeout the caller did not get would be a silent clamp: refuse it instead.
        return Status(ErrorCode::bad_field, "timeout_ms must be 0 (default) or 1.." +
                                                std::to_string(kTimeoutMillisecondsMax));
    }
    const std::uint32_t timeout_ms =
        config.timeout_ms == 0 ? kTimeoutMillisecondsDefault : config.timeout_ms;
    impl->timeout = std::chrono::milliseconds(timeout_ms);
    return std::shared_ptr<HttpsTransport>(new HttpsTransport(std::move(impl)));
}

HttpReply HttpsTransport::send(const HttpRequest& request) {
    const SteadyTime deadline =
        request.deadline == SteadyTime{} ? Clock::now() + impl_->timeout : request.deadline;
    std::unique_lock lock(mutex_, std::defer_lock);
    if (!lock.try_lock_until(deadline)) {
        return failed(TransportFailure::timeout,
                      "the gateway connection stayed busy (background delivery) until the "
                      "deadline");
    }
    try {
        return impl_->send(request, deadline);
    } catch (const std::exception& error) {
        impl_->close();
        return failed(TransportFailure::unreachable,
                      std::string("exchange failed: ") + error.what());
    }
}

void HttpsTransport::closeIfIdle() {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (lock.owns_lock() && impl_->stream &&
        Clock::now() - impl_->last_used > kConnectionIdleClose) {
        impl_->close();
    }
}

}  // namespace claimgate::sdk
