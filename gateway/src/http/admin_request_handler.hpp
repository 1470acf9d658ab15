// File: admin_request_handler.hpp
// The admin listener: /healthz (the process answers), /readyz (roster loaded and the ledger
// database reachable: 503 otherwise, so a balancer drains the node), /metrics (Prometheus text)
// and POST /admin/claims/{id}/resolve. The listener has its own I/O thread, so probes answer
// while the API is saturated. resolve needs a Bearer token of the admin token file when one is
// configured (its person is recorded as the event actor); without one the listener is loopback
// only (GatewayRuntime refuses anything else) and the actor is "local-admin".
#pragma once

#include "http/admin_tokens.hpp"
#include "net/http_exchange.hpp"
#include <claimgate/gateway/claim_service.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace claimgate::gateway {

class AdminRequestHandler final : public net::RequestHandler {
public:
    using MetricsRenderer = std::function<std::string()>;
    AdminRequestHandler(ClaimService& service, Metrics& metrics, const std::atomic<bool>& ready,
                        const std::atomic<bool>& ledger_reachable, MetricsRenderer render_metrics,
                        std::optional<AdminTokens> tokens);

    void handle(net::HttpRequest request, net::PeerInfo& peer, net::ReplySink reply) override;

private:
    void resolve(const std::string& claim_id, const net::HttpRequest& request,
                 const ClaimService::ReplyHandler& done);

    ClaimService& service_;
    Metrics& metrics_;
    const std::atomic<bool>& ready_;
    const std::atomic<bool>& ledger_reachable_;
    MetricsRenderer render_metrics_;
    std::optional<AdminTokens> tokens_;
};

}  // namespace claimgate::gateway
