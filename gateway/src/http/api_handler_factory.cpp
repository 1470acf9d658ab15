#include "http/api_handler_factory.hpp"

#include <claimgate/gateway/access_log.hpp>
#include <claimgate/protocols/log.hpp>

#include <claimgate/protocols/limits.hpp>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/X509Certificate.h>

#include <chrono>
#include <cstdio>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;
using Clock = std::chrono::steady_clock;

void sendReply(Poco::Net::HTTPServerResponse& response, const ServiceReply& reply) {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.http_status));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    if (reply.retry_after_s > 0) response.set("Retry-After", std::to_string(reply.retry_after_s));
    response.send().write(reply.body.data(), static_cast<std::streamsize>(reply.body.size()));
}

/// An oversized body is read and discarded up to this many bytes, so the client (still
/// sending) gets the 413 rather than a reset, and the connection stays usable. Beyond it the
/// connection is closed instead: bounded work for a misbehaving client.
constexpr std::int64_t kOversizedBodyDrainBytesMax = 1024 * 1024;

/// Discards the rest of a request body; true if it ended within kOversizedBodyDrainBytesMax.
bool drainBody(std::istream& stream) {
    char buffer[4096];
    std::int64_t total = 0;
    while (total <= kOversizedBodyDrainBytesMax) {
        stream.read(buffer, sizeof buffer);
        const auto got = stream.gcount();
        if (got <= 0) return stream.eof();
        total += got;
    }
    return false;
}

/// Reads at most kRequestBodyBytesMax; nullopt when the body is larger (-> 413).
/// `fully_read` is false when bytes of the body were left unread (-> close the connection).
std::optional<std::string> readBody(Poco::Net::HTTPServerRequest& request, bool& fully_read) {
    fully_read = true;
    auto& stream = request.stream();
    const auto declared = request.getContentLength64();
    if (declared > static_cast<std::int64_t>(protocols::kRequestBodyBytesMax)) {
        fully_read = declared <= kOversizedBodyDrainBytesMax && drainBody(stream);
        return std::nullopt;
    }
    std::string body;
    body.resize(protocols::kRequestBodyBytesMax + 1);
    stream.read(body.data(), static_cast<std::streamsize>(body.size()));
    const auto got = static_cast<std::size_t>(stream.gcount());
    if (got > protocols::kRequestBodyBytesMax) {
        fully_read = drainBody(stream);
        return std::nullopt;
    }
    body.resize(got);
    return body;
}

std::optional<std::string> idempotencyKey(const Poco::Net::HTTPServerRequest& request) {
    if (!request.has("Idempotency-Key")) return std::nullopt;
    return request.get("Idempotency-Key");
}

/// /v1/claims/{ref}[/action] -> ref and action ("" for the claim itself).
bool splitClaimPath(const std::string& path, std::string& ref, std::string& action) {
    static const std::string kPrefix = "/v1/claims/";
    if (path.rfind(kPrefix, 0) != 0) return false;
    const std::string rest = path.substr(kPrefix.size());
    const auto slash = rest.find('/');
    ref = rest.substr(0, slash);
    action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    return !ref.empty() && ref.size() <= 64 && action.find('/') == std::string::npos;
}

class ApiRequestHandler final : public Poco::Net::HTTPRequestHandler {
public:
    ApiRequestHandler(ClaimService& service, Metrics& metrics,
                      const TerminalAuthenticator* authenticator, bool ready,
                      const std::optional<TerminalIdentity>& fixed_identity)
        : service_(service),
          metrics_(metrics),
          authenticator_(authenticator),
          ready_(ready),
          fixed_identity_(fixed_identity) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        const auto started = Clock::now();
        Route route = Route::other;
        ServiceReply reply;
        try {
            reply = dispatch(request, route);
        } catch (const Poco::Exception& error) {
            log::error("http", "request failed", {{"error", log::firstLine(error.displayText())}});
            reply = errorServiceReply(Status(ErrorCode::internal, "internal error"));
        } catch (const std::exception& error) {
            log::error("http", "request failed", {{"error", log::firstLine(error.what())}});
            reply = errorServiceReply(Status(ErrorCode::internal, "internal error"));
        }
        try {
            if (close_connection_) response.setKeepAlive(false);
            sendReply(response, reply);
        } catch (const Poco::Exception&) {
            // The terminal went away; it will retry with the same Idempotency-Key.
        }
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
        metrics_.recordRequest(route, reply.http_status, micros);
        if (log::accessLogEnabled()) {
            const std::string peer = request.clientAddress().toString();
            log::logAccess({fixed_identity_ ? "bench" : "api", request.getMethod(),
                            request.getURI(), routeName(route), reply.http_status,
                            identity_ ? identity_->terminal_id : "",
                            identity_ ? identity_->operator_id : "", peer, micros});
        }
    }

private:
    protocols::Result<TerminalIdentity> identify(Poco::Net::HTTPServerRequest& request) {
        if (fixed_identity_) return *fixed_identity_;
        auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(request);
        Poco::Net::SecureStreamSocket socket(impl.socket());
        if (!socket.havePeerCertificate()) {
            return Status(ErrorCode::terminal_revoked, "a client certificate is required");
        }
        return authenticator_->identify(socket.peerCertificate());
    }

    ServiceReply dispatch(Poco::Net::HTTPServerRequest& request, Route& route) {
        const std::string& method = request.getMethod();
        const std::string path = request.getURI().substr(0, request.getURI().find('?'));
        const bool is_post = method == Poco::Net::HTTPRequest::HTTP_POST;
        const bool is_get = method == Poco::Net::HTTPRequest::HTTP_GET;
        // Read the body before any refusal: bytes left unread on a keep-alive connection would
        // be parsed as the terminal's next request. If a body could not be drained, that
        // connection is closed after the reply.
        std::optional<std::string> read;
        if (is_post) {
            bool fully_read = true;
            read = readBody(request, fully_read);
            close_connection_ = !fully_read;
        }
        auto terminal = identify(request);
        if (!terminal) {
            if (terminal.status().code() == ErrorCode::terminal_revoked) {
                metrics_.connections().revoked_certificate_attempts.fetch_add(1);
            }
            return errorServiceReply(terminal.status());
        }
        identity_ = terminal.value();
        if (!ready_) {
            return errorServiceReply(Status(ErrorCode::not_ready, "the roster is still loading"));
        }
        std::string body;
        if (is_post) {
            if (!read) {
                return errorServiceReply(Status(ErrorCode::body_too_large,
                                                "request body exceeds 16 KiB",
                                                {{"limit", protocols::kRequestBodyBytesMax}}));
            }
            body = std::move(*read);
        }
        if (path == "/v1/programs") {
            route = Route::programs;
            if (!is_get) return methodNotAllowed();
            return service_.listPrograms(terminal.value());
        }
        if (path == "/v1/eligibility") {
            route = Route::eligibility;
            if (!is_post) return methodNotAllowed();
            return service_.eligibility(terminal.value(), body);
        }
        if (path == "/v1/claims") {
            route = Route::claim_hold;
            if (!is_post) return methodNotAllowed();
            return service_.hold(terminal.value(), idempotencyKey(request), body);
        }
        std::string ref, action;
        if (splitClaimPath(path, ref, action)) {
            if (action.empty()) {
                route = Route::claim_get;
                if (!is_get) return methodNotAllowed();
                return service_.getClaim(terminal.value(), ref);
            }
            if (action == "commit") {
                route = Route::claim_commit;
                if (!is_post) return methodNotAllowed();
                return service_.commit(terminal.value(), idempotencyKey(request), ref, body);
            }
            if (action == "void") {
                route = Route::claim_void;
                if (!is_post) return methodNotAllowed();
                return service_.voidClaim(terminal.value(), idempotencyKey(request), ref, body);
            }
        }
        return errorServiceReply(Status(ErrorCode::not_found, "no such endpoint"));
    }

    static ServiceReply methodNotAllowed() {
        return errorServiceReply(Status(ErrorCode::method_not_allowed, "method not allowed"));
    }

    ClaimService& service_;
    Metrics& metrics_;
    const TerminalAuthenticator* authenticator_;
    bool ready_;
    const std::optional<TerminalIdentity>& fixed_identity_;
    bool close_connection_ = false;
    std::optional<TerminalIdentity> identity_;  // for the access log
};

class AdminRequestHandler final : public Poco::Net::HTTPRequestHandler {
public:
    AdminRequestHandler(ClaimService& service, Metrics& metrics, bool ready,
                        const AdminHandlerFactory::MetricsRenderer& render)
        : service_(service), metrics_(metrics), ready_(ready), render_(render) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        const auto started = Clock::now();
        ServiceReply reply;
        bool is_text = false;
        try {
            const std::string path = request.getURI().substr(0, request.getURI().find('?'));
            if (path == "/healthz") {
                reply = {200, R"({"status":"ok"})", 0};
            } else if (path == "/readyz") {
                reply = ready_ ? ServiceReply{200, R"({"status":"ready"})", 0}
                               : errorServiceReply(Status(ErrorCode::not_ready,
                                                          "roster loading or ledger closed"));
            } else if (path == "/metrics") {
                reply = {200, render_(), 0};
                is_text = true;
            } else if (path.rfind("/admin/claims/", 0) == 0 &&
                       path.size() > 22 && path.substr(path.size() - 8) == "/resolve" &&
                       request.getMethod() == Poco::Net::HTTPRequest::HTTP_POST) {
                const std::string claim_id = path.substr(14, path.size() - 14 - 8);
                bool fully_read = true;
                auto body = readBody(request, fully_read);
                if (!fully_read) response.setKeepAlive(false);
                reply = body ? service_.resolve(claim_id, *body, "admin")
                             : errorServiceReply(Status(ErrorCode::body_too_large,
                                                        "request body exceeds 16 KiB"));
            } else {
                reply = errorServiceReply(Status(ErrorCode::not_found, "no such endpoint"));
            }
        } catch (const std::exception& error) {
            log::error("admin", "request failed", {{"error", log::firstLine(error.what())}});
            reply = errorServiceReply(Status(ErrorCode::internal, "internal error"));
        }
        try {
            if (is_text) {
                response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
                response.setContentType("text/plain; version=0.0.4");
                response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
                response.send() << reply.body;
            } else {
                sendReply(response, reply);
            }
        } catch (const Poco::Exception&) {
        }
        metrics_.recordRequest(
            Route::admin, reply.http_status,
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
    }

private:
    ClaimService& service_;
    Metrics& metrics_;
    bool ready_;
    const AdminHandlerFactory::MetricsRenderer& render_;
};

}  // namespace

ApiHandlerFactory::ApiHandlerFactory(ClaimService& service, Metrics& metrics,
                                     std::shared_ptr<const TerminalAuthenticator> authenticator,
                                     const std::atomic<bool>& ready,
                                     std::optional<TerminalIdentity> fixed_identity)
    : service_(service),
      metrics_(metrics),
      authenticator_(std::move(authenticator)),
      ready_(ready),
      fixed_identity_(std::move(fixed_identity)) {}

Poco::Net::HTTPRequestHandler* ApiHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
    return new ApiRequestHandler(service_, metrics_, authenticator_.get(), ready_.load(),
                                 fixed_identity_);
}

AdminHandlerFactory::AdminHandlerFactory(ClaimService& service, Metrics& metrics,
                                         const std::atomic<bool>& ready,
                                         MetricsRenderer render_metrics)
    : service_(service), metrics_(metrics), ready_(ready), render_metrics_(std::move(render_metrics)) {}

Poco::Net::HTTPRequestHandler* AdminHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
    return new AdminRequestHandler(service_, metrics_, ready_.load(), render_metrics_);
}

}  // namespace claimgate::gateway
