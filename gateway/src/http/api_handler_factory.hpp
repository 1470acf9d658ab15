// File: api_handler_factory.hpp
// Routes /v1/* requests of the TLS listener (and of the loopback bench listener, which has a
// fixed identity) to the ClaimService. POCO exceptions stop here (house style §8.4).
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "http/terminal_authenticator.hpp"
#include <claimgate/gateway/claim_service.hpp>

#include <atomic>
#include <memory>
#include <optional>

namespace claimgate::gateway {

class ApiHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    /// `fixed_identity` set = bench listener (plain HTTP, every request is that terminal).
    ApiHandlerFactory(ClaimService& service, Metrics& metrics,
                      std::shared_ptr<const TerminalAuthenticator> authenticator,
                      const std::atomic<bool>& ready,
                      std::optional<TerminalIdentity> fixed_identity);

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

private:
    ClaimService& service_;
    Metrics& metrics_;
    std::shared_ptr<const TerminalAuthenticator> authenticator_;
    const std::atomic<bool>& ready_;
    std::optional<TerminalIdentity> fixed_identity_;
};

class AdminHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    using MetricsRenderer = std::function<std::string()>;
    AdminHandlerFactory(ClaimService& service, Metrics& metrics, const std::atomic<bool>& ready,
                        MetricsRenderer render_metrics);

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

private:
    ClaimService& service_;
    Metrics& metrics_;
    const std::atomic<bool>& ready_;
    MetricsRenderer render_metrics_;
};

}  // namespace claimgate::gateway
