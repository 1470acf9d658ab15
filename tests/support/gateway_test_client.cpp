#include "gateway_test_client.hpp"

#include "test_pki.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace claimgate::testing {
namespace {

constexpr const char* kHost = "localhost";  // matches the gateway certificate's SAN

Poco::Net::Context::Ptr clientContext(const std::string& key, const std::string& cert) {
    static std::once_flag once;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Ptr fallback =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "",
                                   TestPki::shared().caPem(), Poco::Net::Context::VERIFY_STRICT);
        Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
            new Poco::Net::RejectCertificateHandler(false);
        Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, fallback);
    });
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, key, cert,
                               TestPki::shared().caPem(), Poco::Net::Context::VERIFY_STRICT);
    context->enableSessionCache(false);
    return context;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

std::string HttpReply::code() const {
    if (json.is_object() && json.contains("error") && json["error"].is_object() &&
        json["error"].contains("code") && json["error"]["code"].is_string()) {
        return json["error"]["code"].get<std::string>();
    }
    return "";
}

std::string HttpReply::header(const std::string& lower_name) const {
    const auto found = headers.find(lower_name);
    return found == headers.end() ? std::string() : found->second;
}

std::string HttpReply::describe() const {
    return "HTTP " + std::to_string(status) + " " + body +
           (error.empty() ? "" : " error: " + error);
}

GatewayTestClient GatewayTestClient::forTerminal(std::uint16_t port, const std::string& id) {
    const auto& pki = TestPki::shared();
    return GatewayTestClient(port, clientContext(pki.terminalKey(id), pki.terminalPem(id)));
}

GatewayTestClient GatewayTestClient::withoutCertificate(std::uint16_t port) {
    return GatewayTestClient(port, clientContext("", ""));
}

GatewayTestClient GatewayTestClient::untrusted(std::uint16_t port) {
    const auto& pki = TestPki::shared();
    return GatewayTestClient(port, clientContext(pki.untrustedKey(), pki.untrustedPem()));
}

GatewayTestClient GatewayTestClient::plain(std::uint16_t port) {
    return GatewayTestClient(port, nullptr);
}

GatewayTestClient::GatewayTestClient(std::uint16_t port, Poco::Net::Context::Ptr context)
    : port_(port), context_(std::move(context)) {}

GatewayTestClient::GatewayTestClient(GatewayTestClient&&) noexcept = default;
GatewayTestClient& GatewayTestClient::operator=(GatewayTestClient&&) noexcept = default;
GatewayTestClient::~GatewayTestClient() = default;

void GatewayTestClient::connect() {
    if (session_) return;
    if (context_) {
        session_ = std::make_unique<Poco::Net::HTTPSClientSession>(kHost, port_, context_);
    } else {
        session_ = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port_);
    }
    session_->setTimeout(Poco::Timespan(60, 0));
    session_->setKeepAlive(true);
}

HttpReply GatewayTestClient::get(const std::string& path) { return request("GET", path, ""); }

HttpReply GatewayTestClient::post(const std::string& path, const std::string& body,
                                  const std::optional<std::string>& idempotency_key) {
    std::map<std::string, std::string> headers;
    if (idempotency_key) headers["Idempotency-Key"] = *idempotency_key;
    return request("POST", path, body, headers);
}

HttpReply GatewayTestClient::request(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     const std::map<std::string, std::string>& headers) {
    HttpReply reply;
    try {
        connect();
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setHost(kHost);
        request.setKeepAlive(true);
        for (const auto& [name, value] : headers) request.set(name, value);
        if (method == "POST") {
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        auto& out = session_->sendRequest(request);
        if (!body.empty()) out.write(body.data(), static_cast<std::streamsize>(body.size()));
        Poco::Net::HTTPResponse response;
        auto& in = session_->receiveResponse(response);
        Poco::StreamCopier::copyToString(in, reply.body);
        reply.status = static_cast<int>(response.getStatus());
        for (const auto& [name, value] : response) reply.headers[lower(name)] = value;
        reply.json = nlohmann::json::parse(reply.body, nullptr, false);
        if (!response.getKeepAlive()) session_.reset();
    } catch (const Poco::Exception& error) {
        reply.status = 0;
        reply.error = error.displayText();
        session_.reset();
    } catch (const std::exception& error) {
        reply.status = 0;
        reply.error = error.what();
        session_.reset();
    }
    return reply;
}

}  // namespace claimgate::testing
