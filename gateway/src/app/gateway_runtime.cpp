#include <claimgate/gateway/gateway_runtime.hpp>

#include <claimgate/ledger/data_dir.hpp>
#include "http/api_handler_factory.hpp"
#include "http/terminal_authenticator.hpp"
#include <claimgate/gateway/eligibility_index.hpp>
#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/group_committer.hpp>
#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/gateway/claim_service.hpp>
#include <claimgate/gateway/metrics.hpp>
#include "service/ledger_stats_reader.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

Poco::Net::HTTPServerParams::Ptr serverParams(int threads) {
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(kHttpQueuedConnectionsMax);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(kHttpKeepAliveRequestsMax);
    params->setKeepAliveTimeout(Poco::Timespan(30, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    return params;
}

bool isLoopback(const Poco::Net::SocketAddress& address) {
    return address.host().isLoopback();
}

void initializeSslOnce() {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

}  // namespace

struct GatewayRuntime::Impl {
    GatewayConfig config;
    ClockPtr clock;
    std::atomic<bool> ready{false};
    Metrics metrics;
    EligibilityIndex index;
    std::unique_ptr<LedgerStore> store;
    std::unique_ptr<ClaimEngine> engine;
    std::unique_ptr<GroupCommitter> committer;
    std::unique_ptr<ClaimService> service;
    std::unique_ptr<LedgerStatsReader> stats_reader;
    std::shared_ptr<TerminalAuthenticator> authenticator;
    Poco::ThreadPool api_pool{8, kHttpThreadsMax};
    Poco::ThreadPool admin_pool{1, 4};
    Poco::ThreadPool bench_pool{8, kHttpThreadsMax};
    std::unique_ptr<Poco::Net::HTTPServer> api_server;
    std::unique_ptr<Poco::Net::HTTPServer> admin_server;
    std::unique_ptr<Poco::Net::HTTPServer> bench_server;
    std::thread sweeper;
    std::mutex sweeper_mutex;
    std::condition_variable sweeper_wake;
    bool stopping = false;
    bool stopped = false;

    Impl(GatewayConfig c, ClockPtr k) : config(std::move(c)), clock(std::move(k)) {}

    Status openLedger();
    Status startApiListener();
    Status startAdminListener();
    Status startBenchListener();
    std::string renderMetrics();
    void runSweeper();
};

Status GatewayRuntime::Impl::openLedger() {
    DataDir data_dir(config.data_dir);
    if (Status made = data_dir.ensureExists(); !made.ok()) return made;
    auto pepper = data_dir.loadOrCreatePepper(config.pepper_file);
    if (!pepper) return pepper.status();
    auto signer = protocols::EcdsaSigner::fromPemFile(config.pki_dir + "/receipt.key");
    if (!signer) return signer.status();
    auto opened = openLedgerStore(config.data_dir, config.ledger);
    if (!opened) return opened.status();
    store = std::move(opened).value();
    try {
        index.load(*store);
        metrics.setInDoubt(store->countClaims(protocols::ClaimStatus::in_doubt));
    } catch (const LedgerStoreError& error) {
        return Status(ErrorCode::internal, error.what());
    }
    engine = std::make_unique<ClaimEngine>(clock, signer.value(), config.idempotency_retention_ms);
    committer = std::make_unique<GroupCommitter>(
        *store, *engine, config.commit_batch_max, config.queue_depth_max,
        [this](const std::vector<LedgerReply*>& replies) {
            for (const LedgerReply* reply : replies) {
                for (const auto& update : reply->index_updates) {
                    index.applyClaimState(update.program, update.citizen_key, update.status,
                                          update.channel, update.since_millis);
                }
                if (reply->in_doubt_delta != 0) metrics.addInDoubt(reply->in_doubt_delta);
            }
        });
    service = std::make_unique<ClaimService>(index, *committer, clock, std::move(pepper).value(),
                                             metrics);
    stats_reader = std::make_unique<LedgerStatsReader>(
        [this] { return openLedgerStore(config.data_dir, config.ledger); },
        committer->databaseHealth(), std::chrono::milliseconds(config.ledger_stats_interval_ms));
    return Status::okStatus();
}

Status GatewayRuntime::Impl::startApiListener() {
    initializeSslOnce();
    const std::string& pki = config.pki_dir;
    auto authenticator_result = TerminalAuthenticator::fromCrlFile(pki + "/crl.pem");
    if (!authenticator_result) return authenticator_result.status();
    authenticator = authenticator_result.value();
    metrics.connections().crl_next_update_seconds = authenticator->crlNextUpdateSeconds();
    try {
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, pki + "/gateway.key", pki + "/gateway.pem",
            pki + "/ca.pem", Poco::Net::Context::VERIFY_STRICT, 9, false,
            "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5");
        // POCO's extended verification would match the *client's* certificate against its IP
        // address and reject every terminal (POCO 1.11 Context docs); we check the subject.
        context->enableExtendedCertificateVerification(false);
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        context->enableSessionCache(true, "claimgate");
        Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
            new Poco::Net::RejectCertificateHandler(true);
        Poco::Net::SSLManager::instance().initializeServer(nullptr, reject, context);
        Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress(config.listen),
                                             kHttpQueuedConnectionsMax, context);
        api_server = std::make_unique<Poco::Net::HTTPServer>(
            new ApiHandlerFactory(*service, metrics, authenticator, ready, std::nullopt),
            api_pool, socket, serverParams(config.http_threads));
        api_server->start();
    } catch (const Poco::Exception& error) {
        return Status(ErrorCode::internal, "API listener " + config.listen + ": " +
                                               error.displayText());
    }
    return Status::okStatus();
}

Status GatewayRuntime::Impl::startAdminListener() {
    try {
        const Poco::Net::SocketAddress address(config.admin_listen);
        Poco::Net::ServerSocket socket(address, 64);
        admin_server = std::make_unique<Poco::Net::HTTPServer>(
            new AdminHandlerFactory(*service, metrics, ready, [this] { return renderMetrics(); }),
            admin_pool, socket, serverParams(4));
        admin_server->start();
    } catch (const Poco::Exception& error) {
        return Status(ErrorCode::internal, "admin listener " + config.admin_listen + ": " +
                                               error.displayText());
    }
    return Status::okStatus();
}

Status GatewayRuntime::Impl::startBenchListener() {
    if (!config.bench_http_listen) return Status::okStatus();
    if (!config.bench_terminal) {
        return Status(ErrorCode::bad_field, "--bench-http-listen needs --bench-terminal");
    }
    try {
        const Poco::Net::SocketAddress address(*config.bench_http_listen);
        if (!isLoopback(address)) {
            return Status(ErrorCode::bad_field,
                          "--bench-http-listen must be a 127.0.0.0/8 address: it has no TLS");
        }
        Poco::Net::ServerSocket socket(address, kHttpQueuedConnectionsMax);
        bench_server = std::make_unique<Poco::Net::HTTPServer>(
            new ApiHandlerFactory(*service, metrics, nullptr, ready, config.bench_terminal),
            bench_pool, socket, serverParams(config.http_threads));
        bench_server->start();
    } catch (const Poco::Exception& error) {
        return Status(ErrorCode::internal, "bench listener: " + error.displayText());
    }
    return Status::okStatus();
}

std::string GatewayRuntime::Impl::renderMetrics() {
    // POCO counts its own connections; the event-driven front end keeps these gauges itself.
    auto& open = metrics.connections().open;
    open[static_cast<std::size_t>(Listener::api)] =
        api_server ? api_server->currentConnections() : 0;
    open[static_cast<std::size_t>(Listener::admin)] =
        admin_server ? admin_server->currentConnections() : 0;
    open[static_cast<std::size_t>(Listener::bench)] =
        bench_server ? bench_server->currentConnections() : 0;
    return metrics.renderPrometheus([this](std::string& out) {
        appendBuildInfo(out, isPostgresLedger(config.ledger) ? "postgresql" : "sqlite");
        appendMetricHeader(out, "claimgate_ready", "gauge",
                           "1 when /readyz answers 200 (roster loaded, ledger open).");
        out += "claimgate_ready " + std::string(ready.load() ? "1" : "0") + "\n";
        appendLedgerMetrics(out, committer->stats(), committer->queueDepth(),
                            committer->databaseHealth());
        appendClaimTotals(out, stats_reader->totals());
        appendMetricHeader(out, "claimgate_index_entries", "gauge",
                           "Roster entries in the in-memory eligibility index.");
        out += "claimgate_index_entries " + std::to_string(index.entries()) + "\n";
        appendMetricHeader(out, "claimgate_index_bytes", "gauge",
                           "Memory held by the eligibility index.");
        out += "claimgate_index_bytes " + std::to_string(index.bytesUsed()) + "\n";
    });
}

void GatewayRuntime::Impl::runSweeper() {
    std::unique_lock lock(sweeper_mutex);
    while (!stopping) {
        sweeper_wake.wait_for(lock, std::chrono::milliseconds(config.sweep_interval_ms));
        if (stopping) break;
        lock.unlock();
        service->sweepNow();
        lock.lock();
    }
}

GatewayRuntime::GatewayRuntime(GatewayConfig config, ClockPtr clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(clock))) {}

GatewayRuntime::~GatewayRuntime() { stop(); }

Status GatewayRuntime::start() {
    if (Status opened = impl_->openLedger(); !opened.ok()) return opened;
    if (Status api = impl_->startApiListener(); !api.ok()) return api;
    if (Status admin = impl_->startAdminListener(); !admin.ok()) return admin;
    if (Status bench = impl_->startBenchListener(); !bench.ok()) return bench;
    // The index was loaded with the ledger; a later roster reload would clear this flag.
    impl_->ready = true;
    if (impl_->config.sweep_interval_ms > 0) {
        impl_->sweeper = std::thread([this] { impl_->runSweeper(); });
    }
    return Status::okStatus();
}

void GatewayRuntime::stop() {
    if (!impl_ || impl_->stopped) return;
    impl_->stopped = true;
    impl_->ready = false;
    {
        std::lock_guard lock(impl_->sweeper_mutex);
        impl_->stopping = true;
    }
    impl_->sweeper_wake.notify_all();
    if (impl_->sweeper.joinable()) impl_->sweeper.join();
    for (auto* server : {impl_->api_server.get(), impl_->bench_server.get(),
                         impl_->admin_server.get()}) {
        if (server != nullptr) server->stopAll(true);
    }
    if (impl_->stats_reader) impl_->stats_reader->stop();
    if (impl_->committer) impl_->committer->stop();
}

std::uint16_t GatewayRuntime::apiPort() const {
    return impl_->api_server ? impl_->api_server->port() : 0;
}
std::uint16_t GatewayRuntime::adminPort() const {
    return impl_->admin_server ? impl_->admin_server->port() : 0;
}
std::uint16_t GatewayRuntime::benchPort() const {
    return impl_->bench_server ? impl_->bench_server->port() : 0;
}
ClaimService& GatewayRuntime::service() { return *impl_->service; }
Metrics& GatewayRuntime::metrics() { return impl_->metrics; }
EligibilityIndex& GatewayRuntime::index() { return impl_->index; }

}  // namespace claimgate::gateway
