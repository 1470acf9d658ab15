// File: api_request_handler.hpp
// Routes /v1/* requests of the mTLS listener (and of the loopback bench listener, which has a
// fixed identity) to the ClaimService. Runs on an I/O thread and never blocks there: programs
// and eligibility are answered inline from the index; hold, commit, void and get go to the
// ledger writer and are answered from its completion. Exceptions stop here (house style §8.4).
#pragma once

#include "net/http_exchange.hpp"
#include "net/trust_store.hpp"
#include <claimgate/gateway/claim_service.hpp>

#include <atomic>
#include <optional>

namespace claimgate::gateway {

class ApiRequestHandler final : public net::RequestHandler {
public:
    /// `fixed_identity` set = bench listener (plain HTTP, every request is that terminal);
    /// otherwise the identity comes from the peer certificate checked against `trust`.
    ApiRequestHandler(ClaimService& service, Metrics& metrics, const net::TrustStore* trust,
                      const std::atomic<bool>& ready,
                      std::optional<TerminalIdentity> fixed_identity);

    void handle(net::HttpRequest request, net::PeerInfo& peer, net::ReplySink reply) override;

private:
    protocols::Result<TerminalIdentity> identify(net::PeerInfo& peer);
    /// Sets `route` and, once the certificate is read, `terminal` (for metrics and the
    /// access log) before answering through `done`.
    void dispatch(net::HttpRequest& request, net::PeerInfo& peer, Route& route,
                  std::optional<TerminalIdentity>& terminal,
                  const ClaimService::ReplyHandler& done);

    ClaimService& service_;
    Metrics& metrics_;
    const net::TrustStore* trust_;
    const std::atomic<bool>& ready_;
    std::optional<TerminalIdentity> fixed_identity_;
};

/// The HTTP form of a service reply (JSON, Retry-After when set).
net::HttpResponse toHttpResponse(ServiceReply reply);

}  // namespace claimgate::gateway
