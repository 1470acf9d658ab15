// File: gateway_config.hpp
// Everything `claimgate-gateway serve` can be told. Tests build one directly.
#pragma once

#include <claimgate/gateway/limits.hpp>

#include <claimgate/ledger/ledger_operation.hpp>
#include <claimgate/ledger/thread_priority.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace claimgate::gateway {

struct GatewayConfig {
    std::string data_dir;
    std::string pki_dir;
    std::string listen = "127.0.0.1:8443";
    std::string admin_listen = "127.0.0.1:9090";
    std::string ledger = "sqlite";
    std::optional<std::string> bench_http_listen;
    std::optional<TerminalIdentity> bench_terminal;
    std::optional<std::string> pepper_file;
    std::size_t commit_batch_max = kCommitBatchMaxDefault;
    std::size_t queue_depth_max = kLedgerQueueDepthMax;
    /// Nice value of the ledger's writer and render threads (thread_priority.hpp); 0 = as the
    /// process.
    int ledger_nice = kLedgerThreadNiceDefault;
    /// I/O threads of the API and bench listeners; 0 = one per core.
    int io_threads = 0;
    std::size_t max_connections = kConnectionsMaxDefault;
    std::size_t max_connections_per_peer = kConnectionsPerPeerMaxDefault;
    std::int64_t head_deadline_ms = kHeadDeadlineMillisDefault;
    std::int64_t idle_timeout_ms = kIdleTimeoutMillisDefault;
    /// `person:token` lines; required for a non-loopback admin listener.
    std::optional<std::string> admin_token_file;
    std::int64_t sweep_interval_ms = 1000;  // 0 = no background sweeper (tests sweep by hand)
    std::int64_t idempotency_retention_ms = kIdempotencyRetentionMillisDefault;
    /// How often the roster follower looks for new roster versions; 0 = never (tests call
    /// RosterFollower::catchUp by hand).
    std::chrono::milliseconds roster_poll_interval{kRosterPollMillisDefault};
    /// Start from (and keep) a verified index snapshot in the data directory.
    bool index_snapshot = true;
    /// How often /metrics' cluster-wide claim figures are re-read (and the database probed).
    std::int64_t ledger_stats_interval_ms = kLedgerStatsIntervalMillis;
};

}  // namespace claimgate::gateway
