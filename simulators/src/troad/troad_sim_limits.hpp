// File: troad_sim_limits.hpp
// Named bounds of the T-Road simulator (contracts invariant 7). Page and batch maxima are the
// client's (<claimgate/troad/troad_limits.hpp>, shared with the codecs) so both sides agree.
#pragma once

#include <claimgate/troad/troad_limits.hpp>

#include <cstddef>

namespace claimgate::simulators::troad {

/// Largest page size a client may ask for and --page-size may set.
inline constexpr std::size_t kPageEntriesMax = claimgate::troad::kRosterPageEntriesMax;
static_assert(claimgate::troad::kPayoutPageEntriesMax == kPageEntriesMax);
inline constexpr std::size_t kPageEntriesDefault = 500;
/// Largest request body accepted (one claim batch).
inline constexpr std::size_t kRequestBodyBytesMax = claimgate::troad::kTroadRequestBytesMax;
/// Roster, payout and update rows loaded from CSV.
inline constexpr std::size_t kCsvRowsMax = 2'000'000;  // a demo platform, not 23 million rows
inline constexpr std::size_t kCsvLineBytesMax = 4096;
/// Programs loaded from --program files.
inline constexpr std::size_t kProgramsMax = 64;
/// Worker threads and queued connections of the HTTPS server.
inline constexpr int kServerThreadsMax = 4;
inline constexpr int kServerQueuedConnectionsMax = 32;
/// Batches remembered for idempotency (the state file holds all of them).
inline constexpr std::size_t kBatchesMax = 1'000'000;
/// Longest request target accepted.
inline constexpr std::size_t kTargetLengthMax = 2000;

}  // namespace claimgate::simulators::troad
