// File: troad_command.cpp
// `claimgate-sim troad`: the T-Road security server and the payout platform in one process on
// loopback (contracts §9). See docs/troad.md.
#include "command_registry.hpp"
#include "troad/security_server.hpp"
#include "troad/troad_options.hpp"
#include "troad/troad_sim_limits.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <csignal>
#include <cstdio>
#include <pthread.h>

namespace claimgate::simulators::troad {
namespace {

int fail(const std::string& message) {
    std::fprintf(stderr, "claimgate-sim troad: %s\n", message.c_str());
    return 1;
}

int runTroad(int argc, char** argv) {
    auto options = TroadOptions::parse(argc, argv);
    if (!options) {
        std::fprintf(stderr, "claimgate-sim troad: %s\n%s", options.status().message().c_str(),
                     TroadOptions::usage());
        return 2;
    }
    if (options->help) {
        std::fputs(TroadOptions::usage(), stdout);
        return 0;
    }
    auto context = std::make_shared<SimContext>();
    context->options = options.value();
    const std::string& pki = context->options.pki_dir;

    auto data = PlatformData::load(context->options);
    if (!data) {
        return fail(data.status().message());
    }
    context->data = std::move(data).value();
    auto intake = ClaimIntake::open(context->options.state_dir);
    if (!intake) {
        return fail(intake.status().message());
    }
    context->intake = std::move(intake).value();
    auto signer = protocols::EcdsaSigner::fromPemFile(pki + "/troad/platform.key");
    if (!signer) {
        return fail(signer.status().message());
    }
    context->platform_signer = std::move(signer).value();
    auto verifier = protocols::EcdsaVerifier::fromPemFile(pki + "/troad/client.pem");
    if (!verifier) {
        return fail(verifier.status().message());
    }
    context->gateway_verifier = std::move(verifier).value();
    auto client = protocols::XroadClientId::parse(context->options.client_id);
    if (!client) {
        return fail("--client-id: " + client.status().message());
    }
    context->registered_client = std::move(client).value();

    // Signals go to sigwait below, not to whichever server thread happens to run.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    try {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Ptr tls = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, pki + "/troad/server.key",
            pki + "/troad/server.pem", pki + "/ca.pem", Poco::Net::Context::VERIFY_STRICT, 9, false,
            "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
        tls->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        // POCO would check the CLIENT certificate against the client's IP address; the
        // security server authorises by certificate subject instead (docs/troad.md).
        tls->enableExtendedCertificateVerification(false);
        Poco::Net::SSLManager::instance().initializeServer(
            nullptr, new Poco::Net::RejectCertificateHandler(true), tls);

        Poco::Net::SecureServerSocket socket(
            Poco::Net::SocketAddress(context->options.listen_host, context->options.listen_port),
            64, tls);
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(kServerThreadsMax);
        params->setMaxQueued(kServerQueuedConnectionsMax);
        params->setKeepAlive(true);
        params->setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPServer server(new SecurityServerHandlerFactory(context), socket, params);
        server.start();

        std::size_t roster_entries = 0;
        for (const auto& [id, rows] : context->data.rosters) {
            roster_entries += rows.size();
        }
        std::printf("seed %llu\n", static_cast<unsigned long long>(context->options.seed));
        std::printf("programs %zu, roster entries %zu, batches on file %zu\n",
                    context->data.program_ids.size(), roster_entries,
                    context->intake->batchCount());
        std::printf("listening on %s:%u\n", context->options.listen_host.c_str(),
                    static_cast<unsigned>(socket.address().port()));
        std::fflush(stdout);

        int received = 0;
        sigwait(&signals, &received);
        std::fprintf(stderr, "claimgate-sim troad: signal %d, stopping\n", received);
        server.stopAll(true);
    } catch (const Poco::Exception& e) {
        return fail(e.displayText());
    }
    Poco::Net::uninitializeSSL();
    return 0;
}

}  // namespace
}  // namespace claimgate::simulators::troad

CG_SIM_COMMAND(troad, "T-Road security server + payout platform (X-Road REST r1, mTLS)",
               claimgate::simulators::troad::runTroad);
