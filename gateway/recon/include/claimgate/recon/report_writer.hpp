// File: report_writer.hpp
// report.json (machine-readable summary) and report.html (for finance staff, in Traditional
// Chinese by default or English: self-contained, inline CSS and SVG charts, no scripts, no
// external fonts or images).
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/category.hpp>
#include <claimgate/recon/exception_writer.hpp>
#include <claimgate/recon/match_summary.hpp>
#include <claimgate/recon/settlement_manifest.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace claimgate::recon {

/// What the report says beyond the MatchSummary.
struct ReportContext {
    ReportLanguage language = ReportLanguage::zh_TW;
    std::string generated_at;   ///< RFC 3339
    std::string closed_before;  ///< as given to --closed-before; empty = not given
    std::string exceptions_file = "exceptions.csv";
    std::vector<ExceptionWriter::Row> preview;  ///< grouped rows of exceptions.csv
    std::vector<ExceptionWriter::OperatorFile> operator_files;
    bool manifest_given = false;
    std::vector<ExpectedFile> expected_files;
    bool history_used = false;  ///< --state given
    ExceptionWriter::Marks marks;
};

/// {"counts", "amounts", "by_channel", "by_operator", "money_by_operator", "records", "seconds",
/// "bad_lines", "missing_files", ...}.
[[nodiscard]] nlohmann::json reportJson(const MatchSummary& summary,
                                        const ReportContext& context = {});

/// The whole HTML page.
[[nodiscard]] std::string reportHtml(const MatchSummary& summary, const ReportContext& context);

/// Writes `content` to `path` via a temporary file and rename.
[[nodiscard]] protocols::Status writeFileAtomically(const std::string& path,
                                                    const std::string& content);

/// "12,345,678".
[[nodiscard]] std::string groupThousands(std::int64_t value);
/// "+1,000" / "-1,000" / "0": a difference.
[[nodiscard]] std::string signedThousands(std::int64_t value);

}  // namespace claimgate::recon
