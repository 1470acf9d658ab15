// File: gateway_config.hpp
// Everything `claimgate-gateway serve` can be told. Tests build one directly.
#pragma once

#include <claimgate/gateway/limits.hpp>

#include <claimgate/ledger/ledger_operation.hpp>

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
    int http_threads = kHttpThreadsMax;
    std::int64_t sweep_interval_ms = 1000;  // 0 = no background sweeper (tests sweep by hand)
    std::int64_t idempotency_retention_ms = kIdempotencyRetentionMillisDefault;
    /// How often /metrics' cluster-wide claim figures are re-read (and the database probed).
    std::int64_t ledger_stats_interval_ms = kLedgerStatsIntervalMillis;
};

}  // namespace claimgate::gateway
