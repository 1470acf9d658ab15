// File: https_transport.cpp
#include "https_transport.hpp"

#include "sdk_limits.hpp"
#include "sigpipe_guard.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <fstream>
#include <istream>
#include <mutex>

namespace claimgate::sdk {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

// POCO's SSLManager falls back to an interactive console handler for invalid certificates
// unless one is installed; the SDK installs a rejecting one once per process.
void initialiseSslOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject(
            new Poco::Net::RejectCertificateHandler(false));
        Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, nullptr);
    });
}

bool readable(const std::string& path) {
    std::ifstream file(path);
    return !path.empty() && file.good();
}

}  // namespace

struct HttpsTransport::Impl {
    std::string host;
    std::uint16_t port = 443;
    Poco::Net::Context::Ptr context;
    Poco::Timespan timeout;
    std::unique_ptr<Poco::Net::HTTPSClientSession> session;
    bool session_used = false;
};

HttpsTransport::HttpsTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsTransport::~HttpsTransport() = default;

Result<std::unique_ptr<HttpsTransport>> HttpsTransport::create(const HttpsTransportConfig& config) {
    auto impl = std::make_unique<Impl>();
    try {
        const Poco::URI uri(config.gateway_url);
        if (uri.getScheme() != "https" || uri.getHost().empty()) {
            return Status(ErrorCode::bad_field,
                          "gateway_url must look like https://host:port, got '" +
                              config.gateway_url + "'");
        }
        impl->host = uri.getHost();
        impl->port = uri.getPort();
    } catch (const Poco::Exception& error) {
        return Status(ErrorCode::bad_field, "gateway_url: " + error.displayText());
    }
    for (const auto& [name, path] : {std::pair<const char*, const std::string&>{"ca_file", config.ca_file},
                                     {"cert_file", config.cert_file},
                                     {"key_file", config.key_file}}) {
        if (!readable(path)) {
            return Status(ErrorCode::bad_field,
                          std::string(name) + " '" + path + "' is missing or unreadable");
        }
    }
    if (config.timeout_ms > kTimeoutMillisecondsMax) {
        // A timeout the caller did not get would be a silent clamp: refuse it instead.
        return Status(ErrorCode::bad_field, "timeout_ms must be 0 (default) or 1.." +
                                                std::to_string(kTimeoutMillisecondsMax));
    }
    initialiseSslOnce();
    try {
        Poco::Net::Context::Params params;
        params.privateKeyFile = config.key_file;
        params.certificateFile = config.cert_file;
        params.caLocation = config.ca_file;
        params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
        params.verificationDepth = 9;
        params.loadDefaultCAs = false;
        params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
        impl->context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        impl->context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    } catch (const Poco::Exception& error) {
        return Status(ErrorCode::bad_field, "TLS setup (cert_file, key_file, ca_file): " +
                                                error.displayText());
    }
    const std::uint32_t timeout_ms =
        config.timeout_ms == 0 ? kTimeoutMillisecondsDefault : config.timeout_ms;
    impl->timeout = Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout_ms) * 1000);
    return std::unique_ptr<HttpsTransport>(new HttpsTransport(std::move(impl)));
}

HttpReply HttpsTransport::send(const HttpRequest& request) {
    std::lock_guard lock(mutex_);
    SigpipeGuard sigpipe_guard;
    bool reused = false;
    HttpReply reply = exchange(request, reused);
    // A keep-alive connection the gateway (or a proxy) closed while idle fails on first use.
    // Every POST carries an idempotency key and GETs are reads, so one retry on a fresh
    // connection is safe.
    if (!reply.answered() && reused) {
        reply = exchange(request, reused);
    }
    return reply;
}

HttpReply HttpsTransport::exchange(const HttpRequest& request, bool& reused_connection) {
    HttpReply reply;
    reused_connection = impl_->session != nullptr && impl_->session_used;
    try {
        if (!impl_->session) {
            impl_->session = std::make_unique<Poco::Net::HTTPSClientSession>(
                impl_->host, impl_->port, impl_->context);
            impl_->session->setKeepAlive(true);
            impl_->session->setTimeout(impl_->timeout, impl_->timeout, impl_->timeout);
            impl_->session_used = false;
        }
        Poco::Net::HTTPRequest http_request(request.method, request.path,
                                            Poco::Net::HTTPMessage::HTTP_1_1);
        http_request.setKeepAlive(true);
        if (!request.idempotency_key.empty()) {
            http_request.set("Idempotency-Key", request.idempotency_key);
        }
        if (request.method == Poco::Net::HTTPRequest::HTTP_POST) {
            http_request.setContentType("application/json");
            http_request.setContentLength(static_cast<std::streamsize>(request.body.size()));
            std::ostream& out = impl_->session->sendRequest(http_request);
            out << request.body;
        } else {
            impl_->session->sendRequest(http_request);
        }
        impl_->session_used = true;
        Poco::Net::HTTPResponse response;
        std::istream& in = impl_->session->receiveResponse(response);
        std::string body;
        char buffer[4096];
        while (in && body.size() <= kResponseBodyBytesMax) {
            in.read(buffer, sizeof buffer);
            body.append(buffer, static_cast<std::size_t>(in.gcount()));
        }
        if (body.size() > kResponseBodyBytesMax) {
            impl_->session.reset();
            reply.error = "gateway reply larger than " + std::to_string(kResponseBodyBytesMax) +
                          " bytes";
            return reply;
        }
        reply.status = static_cast<int>(response.getStatus());
        reply.body = std::move(body);
        if (!response.getKeepAlive()) {
            impl_->session.reset();
        }
    } catch (const Poco::Exception& error) {
        impl_->session.reset();
        reply = HttpReply{};
        reply.error = error.displayText();
    } catch (const std::exception& error) {
        impl_->session.reset();
        reply = HttpReply{};
        reply.error = error.what();
    }
    return reply;
}

}  // namespace claimgate::sdk
