// File: exception_history.hpp
// The small state file that carries exceptions from one `match` run to the next (`--state FILE`,
// kept beside the report directories): which exceptions were already listed, since when, and
// which finance staff acknowledged (by name, with a note). A run marks every exception it finds
// again with that history, then rewrites the file with exactly the exceptions still open, so an
// exception that is resolved drops out and one that comes back is new again.
//
// Format (UTF-8 CSV, header required; staff may fill the acknowledged_* and note columns in a
// spreadsheet, or use `claimgate-recon acknowledge`):
//   claim_id,category,operator,first_seen,last_seen,acknowledged_by,acknowledged_at,note
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/category.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace claimgate::recon {

inline constexpr std::string_view kExceptionHistoryHeader =
    "claim_id,category,operator,first_seen,last_seen,acknowledged_by,acknowledged_at,note";

struct HistoryEntry {
    std::string operator_name;
    std::string first_seen;  ///< RFC 3339 time of the run that first listed it
    std::string last_seen;
    std::string acknowledged_by;  ///< empty: not acknowledged
    std::string acknowledged_at;
    std::string note;
};

/// Not thread-safe.
class ExceptionHistory {
public:
    using Key = std::pair<std::string, Category>;  ///< claim id, category

    /// Reads `path`; a file that does not exist is an empty history. A malformed file is an
    /// error (acknowledgements must never be lost silently).
    [[nodiscard]] static protocols::Result<ExceptionHistory> load(const std::string& path);

    [[nodiscard]] const HistoryEntry* find(std::string_view claim_id, Category category) const;

    /// Records that this run lists the exception again (or for the first time) at `now`.
    void carry(std::string_view claim_id, Category category, std::string_view operator_name,
               const std::string& now);

    /// Marks every open exception of `claim_id` acknowledged; the number marked.
    std::size_t acknowledge(std::string_view claim_id, const std::string& by,
                            const std::string& note, const std::string& now);

    /// Writes the exceptions carried by this run (not the ones of earlier runs that are gone)
    /// or, with `keep_all`, every entry (for `acknowledge`). Atomic (temporary file + rename).
    [[nodiscard]] protocols::Status save(const std::string& path, bool keep_all = false) const;

    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
    std::map<Key, HistoryEntry> entries_;
    std::map<Key, HistoryEntry> carried_;
};

}  // namespace claimgate::recon
