// File: match_engine.hpp
// The reconciliation of contracts §11: reads a ledger export and any number of settlement files,
// classifies every ledger claim and settlement row, and streams exceptions and in-doubt
// resolutions to sinks. Built for 23 million rows a side in well under a minute: large read()s,
// in-place field splitting, claim ids mapped to dense positions (ClaimIndex) and per-claim state
// in flat arrays (about 90 bytes a claim).
//
// Which settlement row is "the first" for a claim: rows are taken in the order of the files as
// given (a directory contributes its *.csv sorted by name), then by line. For a `paid` claim a
// later row with the ledger's amount takes precedence over an earlier one with another amount,
// so {5000, 6000} against a ledger 6000 is matched + one duplicate (the 5000 row). Rows whose
// claim id the ledger does not know are each missing_in_ledger (never duplicates).
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/claim_index.hpp>
#include <claimgate/recon/exception_sink.hpp>
#include <claimgate/recon/limits.hpp>
#include <claimgate/recon/match_summary.hpp>
#include <claimgate/recon/resolution_sink.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace claimgate::recon {

struct MatchOptions {
    std::string ledger_path;
    std::vector<std::string> settlement_paths;  ///< files, already expanded from directories
    std::uint64_t max_bad_lines = kBadLinesDefault;
    /// in_doubt claims without a settlement row are resolved `voided` only if held before this
    /// instant (Unix ms): the settlement period up to here is closed. Unset = never void.
    std::optional<std::int64_t> closed_before_millis;
    /// OPERATOR_YYYY-MM-DD.csv files the manifest expects that have not arrived: a paid claim
    /// without a settlement row whose operator and business date name one of them is told to
    /// wait for that file (contracts §11).
    std::set<std::string, std::less<>> missing_settlement_files;
    bool progress = false;  ///< progress line on stderr (callers set it only on a TTY)
    /// Receives one line per malformed input line (first kBadLinesReportedMax) and notices.
    std::function<void(const std::string&)> warn;
};

/// Expands FILE_OR_DIR arguments: a directory means every *.csv in it, sorted by name.
[[nodiscard]] protocols::Result<std::vector<std::string>> expandSettlementPaths(
    const std::vector<std::string>& arguments);

/// One run. Not thread-safe; use once: read(), then classify().
class MatchEngine {
public:
    explicit MatchEngine(MatchOptions options);
    ~MatchEngine();
    MatchEngine(const MatchEngine&) = delete;
    MatchEngine& operator=(const MatchEngine&) = delete;

    /// Reads the ledger and every settlement file. Malformed lines go to `exceptions` as
    /// `malformed` and count against max_bad_lines; one more than that stops the run with an
    /// error, as does a missing or wrong header, an unreadable file or a limit.
    [[nodiscard]] protocols::Status read(ExceptionSink& exceptions);

    /// Classifies every claim (second, sequential pass over the ledger for exception details),
    /// streams exceptions and resolutions (batches of kResolutionBatchMax) to the sinks.
    [[nodiscard]] protocols::Status classify(ExceptionSink& exceptions,
                                             ResolutionSink& resolutions);

    /// Valid after classify() (counts of the reading phase are valid after read()).
    [[nodiscard]] const MatchSummary& summary() const noexcept;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace claimgate::recon
