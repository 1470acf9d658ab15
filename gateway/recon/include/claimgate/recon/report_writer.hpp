// File: report_writer.hpp
// report.json (machine-readable summary) and report.html (for finance staff: self-contained,
// inline CSS and SVG charts, no scripts, no external fonts or images).
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/exception_writer.hpp>
#include <claimgate/recon/match_summary.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace claimgate::recon {

/// {"counts", "amounts", "by_channel", "by_operator", "records", "seconds", "bad_lines", ...}.
[[nodiscard]] nlohmann::json reportJson(const MatchSummary& summary);

/// The whole HTML page. `preview` is the first rows of exceptions.csv, `exceptions_file` its name.
[[nodiscard]] std::string reportHtml(const MatchSummary& summary,
                                     const std::vector<ExceptionWriter::Row>& preview,
                                     const std::string& exceptions_file);

/// Writes `content` to `path` via a temporary file and rename.
[[nodiscard]] protocols::Status writeFileAtomically(const std::string& path,
                                                    const std::string& content);

/// "12,345,678".
[[nodiscard]] std::string groupThousands(std::int64_t value);

}  // namespace claimgate::recon
