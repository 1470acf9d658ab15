// File: limits.hpp
// Named bounds of the gateway (contracts invariant 7), with their memory cost where it matters.
// The ledger writer's own bounds are in claimgate/ledger/limits.hpp.
#pragma once

#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/limits.hpp>

#include <cstddef>
#include <cstdint>

namespace claimgate::gateway {

/// HTTP worker threads and the accept backlog queue of the TLS listener.
inline constexpr int kHttpThreadsMax = 64;
inline constexpr int kHttpQueuedConnectionsMax = 512;
inline constexpr int kHttpKeepAliveRequestsMax = 100000;
/// Roster lines that may be rejected before an import stops.
inline constexpr std::size_t kRosterBadLinesMax = 1000;
/// Roster rows sorted and bulk-loaded at once by `roster import` (~200 bytes each in memory:
/// ~800 MiB); a larger file is loaded in several sorted sweeps, still in one transaction.
inline constexpr std::size_t kRosterImportBatchRows = 4'000'000;
/// Lines handed to one parsing task of `roster import` (one task per core in flight).
inline constexpr std::size_t kRosterImportChunkLines = 16'384;
/// A node applies at most this many changed roster rows in place; beyond it, it rebuilds its
/// index from the database while the old index keeps serving.
inline constexpr std::int64_t kRosterCatchUpRowsMax = 200'000;
/// How often a node asks the database for a newer roster version (PostgreSQL wakes it at once
/// by NOTIFY as well): well inside the 5 s within which a change must reach every node.
inline constexpr std::int64_t kRosterPollMillisDefault = 1000;
/// Claim states recorded while the index is rebuilt (~100 bytes each); beyond it the states
/// are read from the ledger once more after the swap.
inline constexpr std::size_t kIndexReplayUpdatesMax = 1'000'000;
/// Rows of one in-memory program index; 2^31 keeps slot numbers in 32 bits.
inline constexpr std::size_t kIndexEntriesMax = std::size_t{1} << 31;

}  // namespace claimgate::gateway
