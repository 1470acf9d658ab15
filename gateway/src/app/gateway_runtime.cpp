#include <claimgate/gateway/gateway_runtime.hpp>

#include "service/ledger_stats_reader.hpp"
#include <claimgate/gateway/claim_reply_renderer.hpp>
#include <claimgate/gateway/claim_service.hpp>
#include <claimgate/gateway/eligibility_index.hpp>
#include <claimgate/gateway/index_snapshot.hpp>
#include <claimgate/gateway/metrics.hpp>
#include <claimgate/gateway/roster_follower.hpp>
#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/ledger/group_committer.hpp>
#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/ledger/thread_priority.hpp>
#include <claimgate/protocols/log.hpp>

#include "app/ledger_probe.hpp"
#include "http/admin_request_handler.hpp"
#include "http/api_request_handler.hpp"
#include "net/http_listener.hpp"
#include "net/io_thread_pool.hpp"
#include "net/trust_store.hpp"

#include <claimgate/protocols/private_file.hpp>
#include <claimgate/protocols/thread_name.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

int ioThreadCount(int configured) {
    if (configured > 0) return std::min(configured, kIoThreadsMax);
    return static_cast<int>(
        std::clamp(std::thread::hardware_concurrency(), 1U, static_cast<unsigned>(kIoThreadsMax)));
}

bool isLoopbackAddress(const std::string& address) {
    auto endpoint = net::parseEndpoint(address);
    return endpoint && endpoint->address().is_loopback();
}

}  // namespace

struct GatewayRuntime::Impl {
    GatewayConfig config;
    ClockPtr clock;
    std::atomic<bool> ready{false};
    std::atomic<bool> ledger_reachable{true};
    Metrics metrics;
    EligibilityIndex index;
    std::unique_ptr<LedgerStore> store;
    std::unique_ptr<ClaimEngine> engine;
    std::unique_ptr<GroupCommitter> committer;
    std::unique_ptr<ClaimReader> reader;
    std::unique_ptr<ClaimService> service;
    std::unique_ptr<RosterFollower> roster_follower;
    std::unique_ptr<net::TrustStore> trust;
    std::unique_ptr<ApiRequestHandler> api_handler;
    std::unique_ptr<ApiRequestHandler> bench_handler;
    std::unique_ptr<AdminRequestHandler> admin_handler;
    std::unique_ptr<LedgerProbe> probe;
    std::unique_ptr<LedgerStatsReader> stats_reader;
    // Declared after everything their connections use: destroyed first. Listeners after the
    // pools: an acceptor must go before its io_context.
    std::unique_ptr<net::IoThreadPool> api_pool;
    std::unique_ptr<net::IoThreadPool> admin_pool;
    std::unique_ptr<net::HttpListener> api_listener;
    std::unique_ptr<net::HttpListener> admin_listener;
    std::unique_ptr<net::HttpListener> bench_listener;
    std::thread sweeper;
    std::thread watchdog;
    std::mutex sweeper_mutex;
    std::condition_variable sweeper_wake;
    bool stopping = false;
    bool stopped = false;

    Impl(GatewayConfig c, ClockPtr k) : config(std::move(c)), clock(std::move(k)) {}

    Status openLedger();
    std::int64_t loadIndex(const DataDir& data_dir);
    Status startListeners();
    std::string renderMetrics() const;
    void runSweeper();
    void runWatchdog();
    net::ListenerSettings listenerSettings(const std::string& address, Listener listener) const;
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
        // The writer never stops a batch for a WAL checkpoint (issue 9: p99 of a claim).
        store->startBackgroundCheckpoints();
        const std::int64_t roster_version = loadIndex(data_dir);
        auto follower_store = openLedgerStore(config.data_dir, config.ledger);
        if (!follower_store) return follower_store.status();
        RosterFollower::Options follow;
        follow.poll_interval = config.roster_poll_interval;
        follow.snapshot_path = config.index_snapshot ? data_dir.indexSnapshotPath() : "";
        roster_follower = std::make_unique<RosterFollower>(index, std::move(follower_store).value(),
                                                           roster_version, follow);
        // A node starting from an older snapshot serves only once it has caught up.
        if (Status caught_up = roster_follower->catchUp(); !caught_up.ok()) return caught_up;
        metrics.setInDoubt(store->countClaims(protocols::ClaimStatus::in_doubt));
    } catch (const LedgerStoreError& error) {
        return Status(ErrorCode::internal, error.what());
    }
    // The writer and render threads take this priority when they start, just below.
    setLedgerThreadNice(config.ledger_nice);
    // Replies and receipt signatures are rendered on the engine's own thread, beside the
    // writer's database work (issue 9: the writer does only what must be serial).
    engine = std::make_unique<ClaimEngine>(clock, config.idempotency_retention_ms,
                                           ClaimReplyRenderer(signer.value()),
                                           /*render_in_background=*/true);
    committer = std::make_unique<GroupCommitter>(
        *store, *engine, config.commit_batch_max, config.queue_depth_max,
        [this](const std::vector<LedgerReply*>& replies) {
            for (const LedgerReply* reply : replies) {
                for (const auto& update : reply->index_updates) {
                    index.applyClaimState(update.program, update.citizen_key, update.status,
                                          update.channel, update.since_millis);
                }
                // Cluster-wide: every sweep reads the count from the database.
                if (reply->in_doubt_total) metrics.setInDoubt(*reply->in_doubt_total);
                if (reply->dispense_time_implausible) metrics.dispenseTimeImplausible();
            }
        });
    reader = std::make_unique<ClaimReader>([data_dir = config.data_dir, ledger = config.ledger] {
        return openLedgerStore(data_dir, ledger);
    });
    service = std::make_unique<ClaimService>(index, *committer, *reader, clock,
                                             std::move(pepper).value(), signer.value(), metrics);
    probe = std::make_unique<LedgerProbe>(config.ledger, data_dir.ledgerPath());
    stats_reader = std::make_unique<LedgerStatsReader>(
        [this] { return openLedgerStore(config.data_dir, config.ledger); },
        committer->databaseHealth(), std::chrono::milliseconds(config.ledger_stats_interval_ms));
    return Status::okStatus();
}

std::int64_t GatewayRuntime::Impl::loadIndex(const DataDir& data_dir) {
    // A verified snapshot spares re-reading the roster; the follower applies what is newer.
    if (config.index_snapshot) {
        auto snapshot = IndexSnapshot::read(data_dir.indexSnapshotPath(), store->loadPrograms());
        if (snapshot) {
            index.install(std::move(snapshot.value().programs), *store);
            return snapshot->version;
        }
        if (snapshot.status().code() != ErrorCode::not_found) {
            log::warn("index", "snapshot not used: building the index from the ledger",
                      {{"error", log::firstLine(snapshot.status().message())}});
        }
    }
    const std::int64_t version = index.load(*store);
    if (config.index_snapshot) {
        if (auto written = IndexSnapshot::write(data_dir.indexSnapshotPath(), index, version);
            !written.ok()) {
            log::warn("index", "snapshot not written",
                      {{"error", log::firstLine(written.message())}});
        }
    }
    return version;
}

net::ListenerSettings GatewayRuntime::Impl::listenerSettings(const std::string& address,
                                                             Listener listener) const {
    net::ListenerSettings settings;
    settings.address = address;
    settings.listener = listener;
    settings.budget.max_connections = config.max_connections;
    settings.budget.max_per_peer =
        std::min(config.max_connections_per_peer, config.max_connections);
    settings.budget.reap_watermark =
        std::max<std::size_t>(1, config.max_connections * kConnectionReapWatermarkPercent / 100);
    settings.head_deadline = std::chrono::milliseconds(config.head_deadline_ms);
    settings.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
    return settings;
}

Status GatewayRuntime::Impl::startListeners() {
    if (config.max_connections < 1 || config.max_connections > kConnectionsMaxLimit ||
        config.max_connections_per_peer < 1 || config.head_deadline_ms < 1 ||
        config.idle_timeout_ms < 1) {
        return Status(ErrorCode::bad_field, "connection limits and deadlines must be positive");
    }
    std::optional<AdminTokens> tokens;
    if (config.admin_token_file) {
        auto loaded = AdminTokens::fromFile(*config.admin_token_file);
        if (!loaded) return loaded.status();
        tokens = std::move(loaded).value();
    } else if (!isLoopbackAddress(config.admin_listen)) {
        return Status(ErrorCode::bad_field,
                      "--admin-listen " + config.admin_listen +
                          " is not loopback: give --admin-token-file so resolve is authenticated");
    }
    const std::string& pki = config.pki_dir;
    auto opened = net::TrustStore::open(
        {pki + "/gateway.pem", pki + "/gateway.key", pki + "/ca.pem", pki + "/crl.pem"}, metrics);
    if (!opened) return opened.status();
    trust = std::move(opened).value();

    api_handler =
        std::make_unique<ApiRequestHandler>(*service, metrics, trust.get(), ready, std::nullopt);
    admin_handler = std::make_unique<AdminRequestHandler>(
        *service, metrics, ready, ledger_reachable, [this] { return renderMetrics(); },
        std::move(tokens));
    api_pool = std::make_unique<net::IoThreadPool>(ioThreadCount(config.io_threads), "cg-io");
    admin_pool = std::make_unique<net::IoThreadPool>(kAdminIoThreads, "cg-admin");

    auto api =
        net::HttpListener::open(*api_pool, listenerSettings(config.listen, Listener::api),
                                *api_handler, metrics, [this] { return trust->tlsContext(); });
    if (!api) return Status(ErrorCode::internal, "API listener: " + api.status().message());
    api_listener = std::move(api).value();
    auto admin =
        net::HttpListener::open(*admin_pool, listenerSettings(config.admin_listen, Listener::admin),
                                *admin_handler, metrics, nullptr);
    if (!admin) return Status(ErrorCode::internal, "admin listener: " + admin.status().message());
    admin_listener = std::move(admin).value();
    if (config.bench_http_listen) {
        if (!config.bench_terminal) {
            return Status(ErrorCode::bad_field, "--bench-http-listen needs --bench-terminal");
        }
        if (!isLoopbackAddress(*config.bench_http_listen)) {
            return Status(ErrorCode::bad_field,
                          "--bench-http-listen must be a 127.0.0.0/8 address: it has no TLS");
        }
        bench_handler = std::make_unique<ApiRequestHandler>(*service, metrics, nullptr, ready,
                                                            config.bench_terminal);
        auto bench = net::HttpListener::open(
            *api_pool, listenerSettings(*config.bench_http_listen, Listener::bench), *bench_handler,
            metrics, nullptr);
        if (!bench) {
            return Status(ErrorCode::internal, "bench listener: " + bench.status().message());
        }
        bench_listener = std::move(bench).value();
    }
    api_pool->start();
    admin_pool->start();
    return Status::okStatus();
}

std::string GatewayRuntime::Impl::renderMetrics() const {
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
        if (roster_follower) out += roster_follower->renderMetrics();
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

void GatewayRuntime::Impl::runWatchdog() {
    // One interval serves both chores (limits.hpp: both 1 s).
    static_assert(kTrustFilePollMillis == kLedgerProbeIntervalMillis);
    std::unique_lock lock(sweeper_mutex);
    while (!stopping) {
        lock.unlock();
        const LedgerProbeResult seen = probe->probe(committer->stats());
        ledger_reachable.store(seen.reachable());
        // claimgate_ledger_database_up and the one log line per loss and recovery. A failing
        // writer has already reported itself, and its evidence here may be older than a
        // recovery another path has seen; reporting it again would log a second loss for one
        // outage, so only the ping's own answer moves the health state.
        if (!seen.database_answers) {
            committer->databaseHealth().reportFailure("probe: the database does not answer");
        } else if (!seen.writer_failing) {
            committer->databaseHealth().reportSuccess();
        }
        trust->reloadIfChanged();
        lock.lock();
        sweeper_wake.wait_for(lock, std::chrono::milliseconds(kLedgerProbeIntervalMillis));
    }
}

GatewayRuntime::GatewayRuntime(GatewayConfig config, ClockPtr clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(clock))) {}

GatewayRuntime::~GatewayRuntime() { stop(); }

Status GatewayRuntime::start() {
    // The TLS key is loaded by the listener; refuse one that others could read before that.
    if (Status key = protocols::requireOwnerOnlyFile(impl_->config.pki_dir + "/gateway.key",
                                                     "TLS private key");
        !key.ok()) {
        return key;
    }
    if (Status opened = impl_->openLedger(); !opened.ok()) return opened;
    if (Status listening = impl_->startListeners(); !listening.ok()) return listening;
    // The index was loaded with the ledger; a later roster reload would clear this flag.
    impl_->ready = true;
    if (impl_->config.sweep_interval_ms > 0) {
        impl_->sweeper = std::thread([this] {
            protocols::nameThisThread("cg-sweeper");
            impl_->runSweeper();
        });
    }
    impl_->watchdog = std::thread([this] {
        protocols::nameThisThread("cg-watchdog");
        impl_->runWatchdog();
    });
    if (impl_->config.roster_poll_interval.count() > 0) impl_->roster_follower->start();
    return Status::okStatus();
}

Status GatewayRuntime::reloadCertificates() {
    if (!impl_->trust) return Status(ErrorCode::not_ready, "not started");
    return impl_->trust->reload();
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
    if (impl_->roster_follower) impl_->roster_follower->stop();
    if (impl_->watchdog.joinable()) impl_->watchdog.join();
    // I/O threads first: no new request reaches the ledger. Operations already queued are
    // drained by the writer; their replies are posted to stopped contexts and dropped with the
    // connections (the terminals retry with the same Idempotency-Key).
    if (impl_->api_pool) impl_->api_pool->stop();
    if (impl_->admin_pool) impl_->admin_pool->stop();
    // Its queued reads call into the claim service, which is destroyed before the reader.
    if (impl_->reader) impl_->reader->stop();
    if (impl_->stats_reader) impl_->stats_reader->stop();
    if (impl_->committer) impl_->committer->stop();
}

std::uint16_t GatewayRuntime::apiPort() const {
    return impl_->api_listener ? impl_->api_listener->port() : 0;
}
std::uint16_t GatewayRuntime::adminPort() const {
    return impl_->admin_listener ? impl_->admin_listener->port() : 0;
}
std::uint16_t GatewayRuntime::benchPort() const {
    return impl_->bench_listener ? impl_->bench_listener->port() : 0;
}
ClaimService& GatewayRuntime::service() { return *impl_->service; }
Metrics& GatewayRuntime::metrics() { return impl_->metrics; }
EligibilityIndex& GatewayRuntime::index() { return impl_->index; }
RosterFollower& GatewayRuntime::rosterFollower() { return *impl_->roster_follower; }

}  // namespace claimgate::gateway
