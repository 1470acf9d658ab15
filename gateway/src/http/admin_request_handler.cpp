#include "http/admin_request_handler.hpp"

#include "http/api_request_handler.hpp"

#include <claimgate/protocols/log.hpp>

#include <chrono>
#include <cstdio>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

std::int64_t steadyMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// /admin/claims/{id}/resolve -> id; "" for any other path.
std::string resolveTarget(const std::string& path) {
    static const std::string kPrefix = "/admin/claims/";
    static const std::string kSuffix = "/resolve";
    if (path.size() <= kPrefix.size() + kSuffix.size() || path.rfind(kPrefix, 0) != 0 ||
        path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
        return {};
    }
    const std::string id =
        path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
    return id.find('/') == std::string::npos ? id : std::string();
}

}  // namespace

AdminRequestHandler::AdminRequestHandler(ClaimService& service, Metrics& metrics,
                                         const std::atomic<bool>& ready,
                                         const std::atomic<bool>& ledger_reachable,
                                         MetricsRenderer render_metrics,
                                         std::optional<AdminTokens> tokens)
    : service_(service),
      metrics_(metrics),
      ready_(ready),
      ledger_reachable_(ledger_reachable),
      render_metrics_(std::move(render_metrics)),
      tokens_(std::move(tokens)) {}

void AdminRequestHandler::handle(net::HttpRequest request, net::PeerInfo&, net::ReplySink reply) {
    const std::int64_t started = request.received_micros;
    ClaimService::ReplyHandler done = [this, started, reply](ServiceReply answer) {
        metrics_.recordRequest(Route::admin, answer.http_status, steadyMicros() - started);
        reply(toHttpResponse(std::move(answer)));
    };
    try {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (path == "/healthz") return done({200, R"({"status":"ok"})", 0});
        if (path == "/readyz") {
            if (!ready_) {
                return done(errorServiceReply(Status(ErrorCode::not_ready, "roster loading")));
            }
            if (!ledger_reachable_) {
                return done(errorServiceReply(
                    Status(ErrorCode::not_ready, "the ledger database is unreachable")));
            }
            return done({200, R"({"status":"ready"})", 0});
        }
        if (path == "/metrics") {
            net::HttpResponse text;
            text.body = render_metrics_();
            text.content_type = "text/plain; version=0.0.4";
            metrics_.recordRequest(Route::admin, 200, steadyMicros() - started);
            return reply(std::move(text));
        }
        const std::string claim_id = resolveTarget(path);
        if (!claim_id.empty()) {
            if (request.method != "POST") {
                return done(
                    errorServiceReply(Status(ErrorCode::method_not_allowed, "method not allowed")));
            }
            return resolve(claim_id, request, done);
        }
        return done(errorServiceReply(Status(ErrorCode::not_found, "no such endpoint")));
    } catch (const std::exception& error) {
        log::error("admin", "request failed", {{"error", log::firstLine(error.what())}});
        return done(errorServiceReply(Status(ErrorCode::internal, "internal error")));
    }
}

void AdminRequestHandler::resolve(const std::string& claim_id, const net::HttpRequest& request,
                                  const ClaimService::ReplyHandler& done) {
    std::string actor = "local-admin";
    if (tokens_) {
        auto person = tokens_->authenticate(request.authorization);
        if (!person) {
            return done(errorServiceReply(
                Status(ErrorCode::admin_unauthenticated,
                       "resolve needs Authorization: Bearer <token> of the admin token file")));
        }
        actor = "admin:" + *person;
    }
    if (request.body_too_large) {
        return done(
            errorServiceReply(Status(ErrorCode::body_too_large, "request body exceeds 16 KiB")));
    }
    service_.resolve(claim_id, request.body, actor, done);
}

}  // namespace claimgate::gateway
