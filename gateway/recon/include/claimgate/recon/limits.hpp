// File: limits.hpp
// Named bounds of claimgate-recon (contracts invariant 7). Every file, line, table and preview the
// reconciliation reads or keeps is bounded by one of these; exceeding one is a clear error.
#pragma once

#include <claimgate/protocols/limits.hpp>

#include <cstddef>
#include <cstdint>

namespace claimgate::recon {

/// Longest CSV line accepted (ledger lines are ~200 bytes); longer lines are malformed.
inline constexpr std::size_t kCsvLineBytesMax = 4096;
/// Fields per line we split: the inputs have at most 11, exceptions.csv (read back for the
/// report's preview) 23.
inline constexpr std::size_t kCsvFieldsMax = 24;
/// Claim ids are opaque strings; the gateway makes `c_` + 24 base32 chars.
inline constexpr std::size_t kClaimIdLengthMax = 64;
inline constexpr std::size_t kOperatorLengthMax = 32;
inline constexpr std::size_t kTerminalIdLengthMax = 64;
/// Distinct operators in one run (the island has a few dozen banks, chains and post offices).
inline constexpr std::size_t kOperatorsMax = 1024;
/// Distinct programs listed in a report header (a ledger normally has one).
inline constexpr std::size_t kProgramsListedMax = 16;
/// Ledger claims in one run: the claim index stores 32-bit positions.
inline constexpr std::size_t kLedgerClaimsMax = 1'000'000'000;
/// Settlement files in one run (one per operator and business day); 16 bits in a row reference.
inline constexpr std::size_t kSettlementFilesMax = 65'535;
/// Bytes per read() from an input file: large reads keep the kernel out of the way.
inline constexpr std::size_t kReadChunkBytes = 8 * 1024 * 1024;
/// Default and ceiling for --max-bad-lines.
inline constexpr std::size_t kBadLinesDefault = 100;
inline constexpr std::size_t kBadLinesMax = 1'000'000;
/// Bad lines echoed into report.json and stderr (the rest are only counted and in exceptions.csv).
inline constexpr std::size_t kBadLinesReportedMax = 100;
/// Exception rows shown in report.html; the full list is always exceptions.csv.
inline constexpr std::size_t kHtmlExceptionRowsMax = 200;
/// Exceptions one run sorts and groups (about 50 bytes each in memory), and entries of the
/// exception state file (--state).
inline constexpr std::size_t kExceptionRowsMax = 50'000'000;
/// Exception rows shown per category in report.html (the first kHtmlExceptionRowsMax in all).
inline constexpr std::size_t kHtmlExceptionRowsPerCategory = 40;
/// Expected operator/day files in a --manifest.
inline constexpr std::size_t kManifestEntriesMax = 100'000;
/// Resolutions handed to a ResolutionSink per call (one ledger transaction each).
inline constexpr std::size_t kResolutionBatchMax = 1000;
/// Claims gen-fixture writes (a bit above the 23 million of the seed plan's KPI).
inline constexpr std::uint64_t kFixtureClaimsMax = 100'000'000;

static_assert(kClaimIdLengthMax < kCsvLineBytesMax);
static_assert(kReadChunkBytes > 2 * kCsvLineBytesMax);
static_assert(protocols::kAmountMax <= 2'147'483'647, "amounts are kept in 32 bits per claim");
static_assert(kLedgerClaimsMax < 0xFFFF'FFFFU, "claim positions are 32-bit");
static_assert(kSettlementFilesMax <= 0xFFFF, "a row reference keeps the file in 16 bits");

}  // namespace claimgate::recon
