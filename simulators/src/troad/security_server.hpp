// File: security_server.hpp
// The X-Road side of the simulator: one HTTPS request handler that behaves like a consumer
// security server in front of the platform (PR-REST r1). It checks the protocol version, the
// X-Road-Client header, the registered client and its TLS certificate, the service id and the
// access rights, answers violations with X-Road-Error + the SS's JSON (or XML) error body, and
// adds X-Road-Id (echoed, or generated as "TW-<uuid>"), X-Road-Request-Id (always fresh: a
// client's value is dropped), X-Road-Request-Hash, X-Road-Client and X-Road-Service to the
// platform's answers. Platform bodies are signed (X-Claimgate-Signature / -Key-Id).
#pragma once

#include "troad/claim_intake.hpp"
#include "troad/platform_data.hpp"
#include "troad/troad_options.hpp"

#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/xroad_client_id.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <memory>
#include <string>

namespace claimgate::simulators::troad {

/// Everything a request needs; built once, shared read-only (the intake locks itself).
struct SimContext {
    TroadOptions options;
    PlatformData data;
    std::unique_ptr<ClaimIntake> intake;
    std::shared_ptr<protocols::EcdsaSigner> platform_signer;
    std::shared_ptr<protocols::EcdsaVerifier> gateway_verifier;
    protocols::XroadClientId registered_client;
};

class SecurityServerHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit SecurityServerHandlerFactory(std::shared_ptr<const SimContext> context)
        : context_(std::move(context)) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

private:
    std::shared_ptr<const SimContext> context_;
};

/// "Server.ServerProxy.AccessDenied" -> "server.serverproxy.access_denied" (X-Road 7.8).
[[nodiscard]] std::string snakeCaseXroadErrorType(const std::string& legacy_type);

}  // namespace claimgate::simulators::troad
