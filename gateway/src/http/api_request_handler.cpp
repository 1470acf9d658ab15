#include "http/api_request_handler.hpp"

#include <claimgate/gateway/access_log.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/log.hpp>

#include <chrono>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

std::int64_t steadyMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
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

ServiceReply methodNotAllowed() {
    return errorServiceReply(Status(ErrorCode::method_not_allowed, "method not allowed"));
}

/// The identity of a connection's certificate under one CRL generation: derived once per
/// connection (and again after a reload), not per request.
struct IdentityCache {
    std::uint64_t generation = 0;
    std::optional<protocols::Result<TerminalIdentity>> identity;
};

}  // namespace

net::HttpResponse toHttpResponse(ServiceReply reply) {
    net::HttpResponse response;
    response.status = reply.http_status;
    response.body = std::move(reply.body);
    response.retry_after_s = reply.retry_after_s;
    return response;
}

ApiRequestHandler::ApiRequestHandler(ClaimService& service, Metrics& metrics,
                                     const net::TrustStore* trust, const std::atomic<bool>& ready,
                                     std::optional<TerminalIdentity> fixed_identity)
    : service_(service),
      metrics_(metrics),
      trust_(trust),
      ready_(ready),
      fixed_identity_(std::move(fixed_identity)) {}

protocols::Result<TerminalIdentity> ApiRequestHandler::identify(net::PeerInfo& peer) {
    if (fixed_identity_) return *fixed_identity_;
    if (trust_ == nullptr || !peer.certificate) {
        return Status(ErrorCode::terminal_revoked, "a client certificate is required");
    }
    if (!peer.application_cache) peer.application_cache = std::make_shared<IdentityCache>();
    auto& cache = *static_cast<IdentityCache*>(peer.application_cache.get());
    const std::uint64_t generation = trust_->generation();
    if (!cache.identity || cache.generation != generation) {
        cache.identity = trust_->authenticator()->identify(peer.certificate.get());
        cache.generation = generation;
    }
    if (!*cache.identity && cache.identity->status().code() == ErrorCode::terminal_revoked) {
        metrics_.revokedCertificateSeen();
    }
    return *cache.identity;
}

void ApiRequestHandler::handle(net::HttpRequest request, net::PeerInfo& peer,
                               net::ReplySink reply) {
    const std::int64_t started = request.received_micros;
    // The route and the terminal are known once dispatch has looked at the path and the
    // certificate; the completion reads them then.
    struct RequestContext {
        Route route = Route::other;
        std::optional<TerminalIdentity> terminal;
        // Only with --access-log: copied because the completion may run after handle().
        std::string method;
        std::string target;
        std::string peer;
    };
    auto context = std::make_shared<RequestContext>();
    if (log::accessLogEnabled()) {
        context->method = request.method;
        context->target = request.target;
        context->peer = peer.address;
    }
    ClaimService::ReplyHandler done = [this, context, started,
                                       reply = std::move(reply)](ServiceReply answer) {
        const std::int64_t micros = steadyMicros() - started;
        metrics_.recordRequest(context->route, answer.http_status, micros);
        if (log::accessLogEnabled()) {
            const TerminalIdentity* who = context->terminal ? &*context->terminal : nullptr;
            log::logAccess({fixed_identity_ ? "bench" : "api", context->method, context->target,
                            routeName(context->route), answer.http_status,
                            who ? std::string_view(who->terminal_id) : std::string_view(),
                            who ? std::string_view(who->operator_id) : std::string_view(),
                            context->peer, micros});
        }
        reply(toHttpResponse(std::move(answer)));
    };
    try {
        dispatch(request, peer, context->route, context->terminal, done);
    } catch (const std::exception& error) {
        // Only reached before the service took the request: it answers exactly once itself.
        log::error("http", "request failed", {{"error", log::firstLine(error.what())}});
        done(errorServiceReply(Status(ErrorCode::internal, "internal error")));
    }
}

void ApiRequestHandler::dispatch(net::HttpRequest& request, net::PeerInfo& peer, Route& route,
                                 std::optional<TerminalIdentity>& who,
                                 const ClaimService::ReplyHandler& done) {
    const std::string path = request.target.substr(0, request.target.find('?'));
    const bool is_post = request.method == "POST";
    const bool is_get = request.method == "GET";
    auto terminal = identify(peer);
    if (!terminal) return done(errorServiceReply(terminal.status()));
    if (log::accessLogEnabled()) who = terminal.value();
    if (!ready_) {
        return done(errorServiceReply(Status(ErrorCode::not_ready, "the roster is still loading")));
    }
    if (is_post && request.body_too_large) {
        return done(
            errorServiceReply(Status(ErrorCode::body_too_large, "request body exceeds 16 KiB",
                                     {{"limit", protocols::kRequestBodyBytesMax}})));
    }
    const std::string& body = request.body;
    if (path == "/v1/programs") {
        route = Route::programs;
        if (!is_get) return done(methodNotAllowed());
        return done(service_.listPrograms(terminal.value()));
    }
    if (path == "/v1/eligibility") {
        route = Route::eligibility;
        if (!is_post) return done(methodNotAllowed());
        return done(service_.eligibility(terminal.value(), body));
    }
    if (path == "/v1/claims") {
        route = Route::claim_hold;
        if (!is_post) return done(methodNotAllowed());
        return service_.hold(terminal.value(), request.idempotency_key, body, done);
    }
    std::string ref, action;
    if (splitClaimPath(path, ref, action)) {
        if (action.empty()) {
            route = Route::claim_get;
            if (!is_get) return done(methodNotAllowed());
            return service_.getClaim(terminal.value(), ref, done);
        }
        if (action == "commit") {
            route = Route::claim_commit;
            if (!is_post) return done(methodNotAllowed());
            return service_.commit(terminal.value(), request.idempotency_key, ref, body, done);
        }
        if (action == "void") {
            route = Route::claim_void;
            if (!is_post) return done(methodNotAllowed());
            return service_.voidClaim(terminal.value(), request.idempotency_key, ref, body, done);
        }
    }
    return done(errorServiceReply(Status(ErrorCode::not_found, "no such endpoint")));
}

}  // namespace claimgate::gateway
