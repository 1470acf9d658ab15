// File: limits.hpp
// Named bounds of the gateway (contracts invariant 7), with their memory cost where it matters.
// The ledger writer's own bounds are in claimgate/ledger/limits.hpp.
#pragma once

#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/limits.hpp>

#include <cstddef>
#include <cstdint>

namespace claimgate::gateway {

/// How often /metrics' cluster-wide figures (claims by status, money paid) are re-read from the
/// database: one GROUP BY over `claims` each time, on its own connection, never per scrape.
inline constexpr std::int64_t kLedgerStatsIntervalMillis = 10'000;

/// HTTP worker threads and the accept backlog queue of the TLS listener.
inline constexpr int kHttpThreadsMax = 64;
inline constexpr int kHttpQueuedConnectionsMax = 512;
inline constexpr int kHttpKeepAliveRequestsMax = 100000;
/// Roster lines that may be rejected before an import stops.
inline constexpr std::size_t kRosterBadLinesMax = 1000;
/// Roster rows sorted and written per transaction by `roster import`: ~200 bytes each in
/// memory, so a batch costs ~200 MiB; fewer, sorted batches rewrite each B-tree page less.
inline constexpr std::size_t kRosterImportBatchRows = 1'000'000;
/// Rows of one in-memory program index; 2^31 keeps slot numbers in 32 bits.
inline constexpr std::size_t kIndexEntriesMax = std::size_t{1} << 31;

}  // namespace claimgate::gateway
