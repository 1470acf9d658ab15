#include <claimgate/recon/report_writer.hpp>

#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/limits.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Status;

namespace {

constexpr std::array<const char*, kCategoryCount> kCategoryColours = {
    "#2e7d32", "#9e9e9e", "#ef6c00", "#c62828", "#6a1b9a",
    "#b8860b", "#1565c0", "#00838f", "#5d4037"};
constexpr std::size_t kSettlementFilesListedMax = 20;
constexpr int kChartWidth = 1000;
constexpr int kChartLabelWidth = 190;
constexpr int kChartBarWidth = 540;
constexpr int kChartRowHeight = 30;

nlohmann::json talliesJson(const CategoryTallies& tallies) {
    nlohmann::json counts = nlohmann::json::object();
    nlohmann::json amounts = nlohmann::json::object();
    for (std::size_t i = 0; i < kMatchCategoryCount; ++i) {
        const std::string name(categoryName(static_cast<Category>(i)));
        counts[name] = tallies[i].count;
        amounts[name] = tallies[i].amount;
    }
    return {{"counts", counts}, {"amounts", amounts}};
}

std::string escapeHtml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out.push_back(c); break;
        }
    }
    return out;
}

std::string twd(std::int64_t amount) { return "NT$&#160;" + groupThousands(amount); }

struct Segment {
    std::uint64_t value = 0;
    std::size_t category = 0;
};
struct Bar {
    std::string label;
    std::vector<Segment> segments;
    std::string note;  ///< text right of the bar
};

/// A horizontal (stacked) bar chart as inline SVG.
std::string barChart(const std::string& title, const std::vector<Bar>& bars) {
    std::uint64_t largest = 0;
    for (const Bar& bar : bars) {
        std::uint64_t total = 0;
        for (const Segment& s : bar.segments) {
            total += s.value;
        }
        largest = std::max(largest, total);
    }
    const int height = 40 + static_cast<int>(bars.size()) * kChartRowHeight + 10;
    std::string svg = "<figure><figcaption>" + escapeHtml(title) + "</figcaption>\n";
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" style=\"max-width:100%;height:auto\" width=\"" +
           std::to_string(kChartWidth) + "\" height=\"" + std::to_string(height) +
           "\" viewBox=\"0 0 " + std::to_string(kChartWidth) + " " + std::to_string(height) +
           "\" aria-label=\"" + escapeHtml(title) + "\">\n";
    if (bars.empty() || largest == 0) {
        svg += "<text x=\"10\" y=\"30\" class=\"empty\">nothing to show</text>";
    }
    int y = 20;
    for (const Bar& bar : bars) {
        svg += "<text x=\"" + std::to_string(kChartLabelWidth - 8) + "\" y=\"" +
               std::to_string(y + 19) + "\" text-anchor=\"end\">" + escapeHtml(bar.label) +
               "</text>";
        double x = kChartLabelWidth;
        for (const Segment& s : bar.segments) {
            if (s.value == 0 || largest == 0) {
                continue;
            }
            // Small but non-zero counts stay visible (2 px) next to millions of matches.
            const double width = std::max(
                2.0, static_cast<double>(s.value) / static_cast<double>(largest) * kChartBarWidth);
            char rect[320];
            std::snprintf(rect, sizeof rect,
                          "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">",
                          x, y + 4, width, kChartRowHeight - 8, kCategoryColours[s.category]);
            svg += rect;
            svg += "<title>" + escapeHtml(bar.label) + ": " +
                   std::string(categoryName(static_cast<Category>(s.category))) + " " +
                   groupThousands(static_cast<std::int64_t>(s.value)) + "</title></rect>";
            x += width;
        }
        svg += "<text x=\"" + std::to_string(static_cast<int>(x) + 8) + "\" y=\"" +
               std::to_string(y + 19) + "\">" + escapeHtml(bar.note) + "</text>\n";
        y += kChartRowHeight;
    }
    svg += "</svg></figure>\n";
    return svg;
}

std::string legend(const std::vector<std::size_t>& categories) {
    std::string html = "<p class=\"legend\">";
    for (const std::size_t c : categories) {
        html += "<span><i style=\"background:" + std::string(kCategoryColours[c]) + "\"></i>" +
                std::string(categoryName(static_cast<Category>(c))) + "</span> ";
    }
    return html + "</p>\n";
}

/// Exceptions per group (channel or operator), stacked by exception category.
std::string exceptionsChart(const std::string& title,
                            const std::vector<std::pair<std::string, CategoryTallies>>& groups) {
    std::vector<Bar> bars;
    for (const auto& [name, tallies] : groups) {
        Bar bar;
        bar.label = name;
        std::uint64_t exceptions = 0;
        std::uint64_t all = 0;
        for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
            all += tallies[c].count;
            if (isException(static_cast<Category>(c))) {
                bar.segments.push_back({tallies[c].count, c});
                exceptions += tallies[c].count;
            }
        }
        bar.note = groupThousands(static_cast<std::int64_t>(exceptions)) + " exceptions of " +
                   groupThousands(static_cast<std::int64_t>(all)) + " records";
        bars.push_back(std::move(bar));
    }
    return barChart(title, bars);
}

const char* kStyle = R"(
body{font-family:"Noto Sans CJK TC","Microsoft JhengHei","PingFang TC",system-ui,sans-serif;
margin:24px 32px;color:#212121;background:#fff;max-width:1200px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:28px 0 8px;border-bottom:2px solid #e0e0e0;
padding-bottom:4px}.muted{color:#616161}
.cards{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #e0e0e0;border-radius:8px;padding:12px 16px;min-width:190px}
.card b{display:block;font-size:24px}.card.bad b{color:#c62828}.card.good b{color:#2e7d32}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border:1px solid #e0e0e0;
padding:5px 8px;text-align:left;vertical-align:top}th{background:#f5f5f5}
td.num,th.num{text-align:right;white-space:nowrap}tr.exc td:first-child{font-weight:600}
.chip{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;
vertical-align:-1px}figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
svg text{font-size:13px;fill:#212121}.legend span{margin-right:14px;font-size:13px;white-space:nowrap}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:8px 12px}
table.exc{font-size:12px}.scroll{overflow-x:auto}table.exc td{overflow-wrap:anywhere}table.exc td.nw{white-space:nowrap;overflow-wrap:normal}code{font-size:13px}
)";

}  // namespace

std::string groupThousands(std::int64_t value) {
    const bool negative = value < 0;
    std::string digits = std::to_string(negative ? -value : value);
    std::string out;
    const std::size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
    out.append(digits, 0, first);
    for (std::size_t i = first; i < digits.size(); i += 3) {
        out.push_back(',');
        out.append(digits, i, 3);
    }
    return negative ? "-" + out : out;
}

nlohmann::json reportJson(const MatchSummary& summary) {
    nlohmann::json report = talliesJson(summary.totals);
    nlohmann::json by_channel = nlohmann::json::object();
    for (const auto& [name, tallies] : summary.by_channel) {
        by_channel[name] = talliesJson(tallies);
    }
    nlohmann::json by_operator = nlohmann::json::object();
    for (const auto& [name, tallies] : summary.by_operator) {
        by_operator[name] = talliesJson(tallies);
    }
    report["by_channel"] = by_channel;
    report["by_operator"] = by_operator;
    report["records"] = {{"ledger", summary.ledger_records},
                         {"settlement", summary.settlement_records}};
    report["exceptions"] = {{"count", summary.exception_count}, {"file", "exceptions.csv"}};
    nlohmann::json bad = nlohmann::json::array();
    for (const BadLine& line : summary.bad_lines) {
        bad.push_back({{"file", line.file}, {"line", line.line}, {"reason", line.reason}});
    }
    report["bad_lines"] = {{"count", summary.bad_line_count},
                           {"limit", summary.bad_line_limit},
                           {"first", bad}};
    report["resolutions"] = {{"paid", summary.resolutions_paid},
                             {"voided", summary.resolutions_voided},
                             {"applied", summary.resolutions_applied},
                             {"file", "resolutions.csv"}};
    report["inputs"] = {{"ledger", summary.ledger_file},
                        {"settlement_files", summary.settlement_files}};
    report["currency"] = "TWD";
    report["seconds"] = summary.seconds;
    return report;
}

std::string reportHtml(const MatchSummary& summary,
                       const std::vector<ExceptionWriter::Row>& preview,
                       const std::string& exceptions_file) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::uint64_t records = 0;
    std::uint64_t exceptions = 0;
    std::int64_t exception_amount = 0;
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        records += summary.totals[c].count;
        if (isException(static_cast<Category>(c))) {
            exceptions += summary.totals[c].count;
            exception_amount += summary.totals[c].amount;
        }
    }
    const std::uint64_t matched = summary.totals[0].count;
    std::string html;
    html.reserve(64 * 1024);
    html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>claimgate reconciliation report</title><style>";
    html += kStyle;
    html += "</style></head><body>\n";
    html += "<h1>Reconciliation report</h1>\n<p class=\"muted\">claimgate-recon match, "
            "generated " + escapeHtml(protocols::formatRfc3339Millis(now)) + " in " +
            std::to_string(static_cast<int>(summary.seconds * 10.0 + 0.5) / 10) + "." +
            std::to_string(static_cast<int>(summary.seconds * 10.0 + 0.5) % 10) +
            " s. All amounts in New Taiwan dollars (TWD).</p>\n";

    html += "<div class=\"cards\">";
    html += "<div class=\"card\">Ledger claims<b>" +
            groupThousands(static_cast<std::int64_t>(summary.ledger_records)) + "</b></div>";
    html += "<div class=\"card\">Settlement rows<b>" +
            groupThousands(static_cast<std::int64_t>(summary.settlement_records)) + "</b>from " +
            std::to_string(summary.settlement_files.size()) + " file(s)</div>";
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.2f%%",
                  records == 0 ? 0.0 : 100.0 * static_cast<double>(matched) /
                                           static_cast<double>(records));
    html += "<div class=\"card good\">Matched<b>" +
            groupThousands(static_cast<std::int64_t>(matched)) + "</b>" + percent +
            " of all outcomes, " + twd(summary.totals[0].amount) + "</div>";
    html += std::string("<div class=\"card") + (exceptions > 0 ? " bad" : "") +
            "\">Exceptions to review<b>" + groupThousands(static_cast<std::int64_t>(exceptions)) +
            "</b>" + twd(exception_amount) + "</div>";
    if (summary.bad_line_count > 0) {
        html += "<div class=\"card bad\">Unreadable input lines<b>" +
                groupThousands(static_cast<std::int64_t>(summary.bad_line_count)) +
                "</b>see below</div>";
    }
    html += "</div>\n";

    html += "<h2>Outcomes by category</h2>\n<table><tr><th>Category</th><th class=\"num\">Count"
            "</th><th class=\"num\">Amount (TWD)</th><th>What it means</th><th>What to do</th></tr>\n";
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        const auto category = static_cast<Category>(c);
        html += std::string("<tr") + (isException(category) ? " class=\"exc\"" : "") +
                "><td><span class=\"chip\" style=\"background:" + kCategoryColours[c] +
                "\"></span>" + std::string(categoryName(category)) + "</td><td class=\"num\">" +
                groupThousands(static_cast<std::int64_t>(summary.totals[c].count)) +
                "</td><td class=\"num\">" + groupThousands(summary.totals[c].amount) +
                "</td><td>" + escapeHtml(categoryExplanation(category)) + "</td><td>" +
                escapeHtml(categoryAction(category)) + "</td></tr>\n";
    }
    html += "</table>\n<p class=\"muted\">Amounts: what the operator settled where a settlement "
            "row exists (matched, amount_mismatch, duplicate, missing_in_ledger, in_doubt_paid), "
            "otherwise the ledger amount.</p>\n";

    html += "<h2>Charts</h2>\n";
    std::vector<Bar> category_bars;
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        Bar bar;
        bar.label = std::string(categoryName(static_cast<Category>(c)));
        bar.segments.push_back({summary.totals[c].count, c});
        bar.note = groupThousands(static_cast<std::int64_t>(summary.totals[c].count)) + "  (" +
                   "NT$ " + groupThousands(summary.totals[c].amount) + ")";
        category_bars.push_back(std::move(bar));
    }
    html += barChart("Records by category", category_bars);
    std::vector<std::size_t> exception_categories;
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        if (isException(static_cast<Category>(c))) {
            exception_categories.push_back(c);
        }
    }
    html += exceptionsChart("Exceptions by channel (channel \"unknown\": rows for claims the "
                            "ledger does not know)",
                            summary.by_channel);
    html += legend(exception_categories);
    html += exceptionsChart("Exceptions by operator", summary.by_operator);
    html += legend(exception_categories);

    html += "<h2 id=\"exceptions\">Exceptions</h2>\n";
    html += "<p class=\"note\">Showing the first " + groupThousands(static_cast<std::int64_t>(
                                                         preview.size())) +
            " of " + groupThousands(static_cast<std::int64_t>(summary.exception_count)) +
            " exception rows. The full list is <code>" + escapeHtml(exceptions_file) +
            "</code> (CSV, opens in a spreadsheet), next to this report.</p>\n";
    if (!preview.empty()) {
        // claim_id, category, reason, channel, operator, terminal_id, ledger_status,
        // ledger_amount, settlement_amount, settlement_file, settlement_line
        constexpr std::array<std::size_t, 9> kShown = {0, 1, 2, 5, 6, 9, 10, 18, 13};
        html += "<div class=\"scroll\"><table class=\"exc\"><tr><th>#</th>";
        for (const std::size_t column : kShown) {
            html += std::string("<th") +
                    (column == 10 || column == 18 ? " class=\"num\"" : "") + ">" +
                    (column == 13 ? "source (file:line)" : kExceptionColumnNames[column]) + "</th>";
        }
        html += "</tr>\n";
        std::size_t number = 0;
        for (const auto& row : preview) {
            html += "<tr><td class=\"num\">" + std::to_string(++number) + "</td>";
            for (const std::size_t column : kShown) {
                std::string value = row[column];
                if (column == 13 && !value.empty()) {
                    // The file name is enough on screen; exceptions.csv has the full path.
                    value = value.substr(value.find_last_of('/') + 1) + ":" + row[14];
                } else if (column == 13 && !row[3].empty()) {
                    value = "ledger line " + row[3];
                }
                const char* css = column == 10 || column == 18 ? " class=\"num\""
                                  : column == 1                ? " class=\"nw\""
                                                               : "";
                html += std::string("<td") + css + ">" + escapeHtml(value) + "</td>";
            }
            html += "</tr>\n";
        }
        html += "</table></div>\n";
    }

    html += "<h2>In-doubt resolutions</h2>\n<p>" +
            groupThousands(static_cast<std::int64_t>(summary.resolutions_paid)) +
            " in-doubt claim(s) resolve as <b>paid</b> (a settlement row shows the payment), " +
            groupThousands(static_cast<std::int64_t>(summary.resolutions_voided)) +
            " as <b>voided</b> (held before <code>--closed-before</code>, no settlement row). " +
            (summary.resolutions_applied
                 ? "They were <b>applied</b> to the ledger (--apply)."
                 : "They were <b>not applied</b>: review <code>resolutions.csv</code>, then run "
                   "again with <code>--data-dir DIR --apply</code>.") +
            "</p>\n";

    html += "<h2>Inputs</h2>\n<p>Ledger export: <code>" + escapeHtml(summary.ledger_file) +
            "</code> (" + groupThousands(static_cast<std::int64_t>(summary.ledger_records)) +
            " claims)<br>Settlement files (" + std::to_string(summary.settlement_files.size()) +
            "):</p><ul>";
    for (std::size_t i = 0; i < summary.settlement_files.size() && i < kSettlementFilesListedMax;
         ++i) {
        html += "<li><code>" + escapeHtml(summary.settlement_files[i]) + "</code></li>";
    }
    if (summary.settlement_files.size() > kSettlementFilesListedMax) {
        html += "<li>... and " +
                std::to_string(summary.settlement_files.size() - kSettlementFilesListedMax) +
                " more (all listed in report.json)</li>";
    }
    html += "</ul>\n";
    if (summary.bad_line_count > 0) {
        html += "<h2>Unreadable input lines</h2>\n<p>" +
                groupThousands(static_cast<std::int64_t>(summary.bad_line_count)) +
                " line(s) could not be read (limit --max-bad-lines " +
                std::to_string(summary.bad_line_limit) +
                "). They are rows of category <code>malformed</code> in the exceptions file. "
                "Fix the files and run match again before acting on this report.</p><ul>";
        for (const BadLine& line : summary.bad_lines) {
            html += "<li><code>" + escapeHtml(line.file) + ":" + std::to_string(line.line) +
                    "</code> " + escapeHtml(line.reason) + "</li>";
        }
        html += "</ul>\n";
    }
    html += "</body></html>\n";
    return html;
}

Status writeFileAtomically(const std::string& path, const std::string& content) {
    const std::string temporary = path + ".partial";
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    if (file == nullptr) {
        return Status(ErrorCode::internal, temporary + ": cannot create: " + std::strerror(errno));
    }
    const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size() &&
                         std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
    const bool closed = std::fclose(file) == 0;
    if (!written || !closed || std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        return Status(ErrorCode::internal, path + ": write failed: " + std::strerror(errno));
    }
    return Status::okStatus();
}

}  // namespace claimgate::recon
