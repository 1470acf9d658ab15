#include <claimgate/recon/report_writer.hpp>

#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/limits.hpp>
#include <claimgate/recon/report_text.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <initializer_list>
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
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
                break;
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
std::string barChart(const std::string& title, const std::vector<Bar>& bars,
                     ReportLanguage language) {
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
    svg +=
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
        "style=\"max-width:100%;height:auto\" width=\"" +
        std::to_string(kChartWidth) + "\" height=\"" + std::to_string(height) +
        "\" viewBox=\"0 0 " + std::to_string(kChartWidth) + " " + std::to_string(height) +
        "\" aria-label=\"" + escapeHtml(title) + "\">\n";
    if (bars.empty() || largest == 0) {
        svg += "<text x=\"10\" y=\"30\" class=\"empty\">" +
               std::string(reportText(ReportText::nothing_to_show, language)) + "</text>";
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
                          "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">", x,
                          y + 4, width, kChartRowHeight - 8, kCategoryColours[s.category]);
            svg += rect;
            svg += "<title>" + escapeHtml(bar.label) + ": " +
                   std::string(categoryLabel(static_cast<Category>(s.category), language)) + " " +
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

std::string legend(const std::vector<std::size_t>& categories, ReportLanguage language) {
    std::string html = "<p class=\"legend\">";
    for (const std::size_t c : categories) {
        html += "<span><i style=\"background:" + std::string(kCategoryColours[c]) + "\"></i>" +
                std::string(categoryLabel(static_cast<Category>(c), language)) + "</span> ";
    }
    return html + "</p>\n";
}

/// Exceptions per group (channel or operator), stacked by exception category.
std::string exceptionsChart(const std::string& title,
                            const std::vector<std::pair<std::string, CategoryTallies>>& groups,
                            ReportLanguage language) {
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
        bar.note = groupThousands(static_cast<std::int64_t>(exceptions)) + " " +
                   std::string(reportText(ReportText::chart_exceptions_of, language)) + " " +
                   groupThousands(static_cast<std::int64_t>(all)) + " " +
                   std::string(reportText(ReportText::chart_records, language));
        bars.push_back(std::move(bar));
    }
    return barChart(title, bars, language);
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
.alert{background:#ffebee;border-left:6px solid #c62828;padding:8px 12px;margin:12px 0}
.alert h2{border:none;color:#c62828;margin:4px 0}.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:8px 12px}
table.head{width:auto}table.head th{text-align:left;white-space:nowrap}
td.neg{color:#c62828}td.pos{color:#1565c0}tr.total td{font-weight:600;background:#fafafa}
.ack{color:#2e7d32}.seen{color:#6a1b9a}h3{font-size:16px;margin:18px 0 6px}
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

std::string signedThousands(std::int64_t value) {
    return value > 0 ? "+" + groupThousands(value) : groupThousands(value);
}

namespace {

nlohmann::json tallyJson(const Tally& tally) {
    return {{"count", tally.count}, {"amount", tally.amount}};
}

std::string dateRangeText(const DateRange& range) {
    if (range.first.empty()) {
        return "-";
    }
    return range.first == range.last ? range.first : range.first + " ~ " + range.last;
}

std::string numberCell(std::int64_t value, bool signed_difference = false) {
    const char* css = !signed_difference ? "num"
                      : value < 0        ? "num neg"
                      : value > 0        ? "num pos"
                                         : "num";
    return std::string("<td class=\"") + css + "\">" +
           (signed_difference ? signedThousands(value) : groupThousands(value)) + "</td>";
}

/// Builds the page; `t` gives the fixed texts in the report's language.
class HtmlReport {
public:
    HtmlReport(const MatchSummary& summary, const ReportContext& context)
        : summary_(summary), context_(context), language_(context.language) {}

    std::string render() {
        html_.reserve(96 * 1024);
        html_ += "<!DOCTYPE html>\n<html lang=\"" + std::string(reportLanguageTag(language_)) +
                 "\"><head><meta charset=\"utf-8\"><title>" + text(ReportText::page_title) +
                 "</title><style>";
        html_ += kStyle;
        html_ += "</style></head><body>\n";
        missingFiles();  // first: nothing else on the page is reliable while files are missing
        header();
        cards();
        operators();
        categories();
        charts();
        exceptions();
        resolutions();
        inputs();
        html_ += "</body></html>\n";
        return std::move(html_);
    }

private:
    std::string text(ReportText id) const { return std::string(reportText(id, language_)); }

    /// A table's heading row; numeric columns are right-aligned.
    std::string headerRow(std::initializer_list<std::pair<ReportText, bool>> columns) const {
        std::string row = "<tr>";
        for (const auto& [id, numeric] : columns) {
            row += (numeric ? "<th class=\"num\">" : "<th>") + text(id) + "</th>";
        }
        return row + "</tr>\n";
    }

    void missingFiles() {
        if (!context_.manifest_given) {
            return;
        }
        std::vector<const ExpectedFile*> missing;
        for (const ExpectedFile& file : context_.expected_files) {
            if (!file.arrived) {
                missing.push_back(&file);
            }
        }
        if (missing.empty()) {
            html_ += "<p class=\"ok\" id=\"missing-files\">" + text(ReportText::all_files_arrived) +
                     "</p>\n";
            return;
        }
        html_ += "<div class=\"alert\" id=\"missing-files\"><h2>" +
                 text(ReportText::missing_files_heading) + " (" +
                 groupThousands(static_cast<std::int64_t>(missing.size())) + ")</h2><p>" +
                 text(ReportText::missing_files_intro) + "</p><table>" +
                 headerRow({{ReportText::operator_col, false},
                            {ReportText::business_date_col, false},
                            {ReportText::expected_file_col, false}});
        for (const ExpectedFile* file : missing) {
            html_ += "<tr class=\"missing\"><td>" + escapeHtml(file->operator_name) + "</td><td>" +
                     escapeHtml(file->business_date) + "</td><td><code>" +
                     escapeHtml(file->file_name) + "</code></td></tr>\n";
        }
        html_ += "</table></div>\n";
    }

    void header() {
        std::string programs;
        for (const std::string& program : summary_.programs) {
            programs += (programs.empty() ? "" : ", ") + escapeHtml(program);
        }
        html_ += "<h1>" + text(ReportText::heading) + "</h1>\n<table class=\"head\">";
        const auto row = [&](ReportText label, const std::string& value, std::string note) {
            html_ += "<tr><th>" + text(label) + "</th><td>" + value +
                     (note.empty() ? "" : " <span class=\"muted\">(" + note + ")</span>") +
                     "</td></tr>";
        };
        row(ReportText::programme, programs.empty() ? "-" : programs, "");
        row(ReportText::business_dates, dateRangeText(summary_.business_dates),
            text(ReportText::business_dates_note));
        row(ReportText::settlement_period, dateRangeText(summary_.settlement_dates),
            text(ReportText::settlement_period_note));
        row(ReportText::closed_before,
            context_.closed_before.empty() ? text(ReportText::not_closed)
                                           : escapeHtml(context_.closed_before),
            "");
        row(ReportText::generated, escapeHtml(context_.generated_at), "");
        html_ += "</table>\n<p class=\"muted\">" + text(ReportText::currency_note) + "</p>\n";
    }

    void cards() {
        std::uint64_t records = 0;
        std::uint64_t exceptions = 0;
        for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
            records += summary_.totals[c].count;
            if (isException(static_cast<Category>(c))) {
                exceptions += summary_.totals[c].count;
            }
        }
        const Tally& matched = summary_.totals[static_cast<std::size_t>(Category::matched)];
        html_ += "<div class=\"cards\">";
        html_ += "<div class=\"card\">" + text(ReportText::ledger_claims) + "<b>" +
                 groupThousands(static_cast<std::int64_t>(summary_.ledger_records)) + "</b></div>";
        html_ += "<div class=\"card\">" + text(ReportText::settlement_rows) + "<b>" +
                 groupThousands(static_cast<std::int64_t>(summary_.settlement_records)) + "</b>" +
                 std::to_string(summary_.settlement_files.size()) + " " +
                 text(ReportText::from_files) + "</div>";
        char percent[32];
        std::snprintf(percent, sizeof percent, "%.2f%%",
                      records == 0 ? 0.0
                                   : 100.0 * static_cast<double>(matched.count) /
                                         static_cast<double>(records));
        html_ += "<div class=\"card good\">" + text(ReportText::matched_card) + "<b>" +
                 groupThousands(static_cast<std::int64_t>(matched.count)) + "</b>" + percent +
                 ", " + twd(matched.amount) + "</div>";
        // A count only: the amounts of different categories are different things (a
        // mismatch's settled amount, a missing payment's ledger amount) and never added up.
        html_ += std::string("<div class=\"card") + (exceptions > 0 ? " bad" : "") + "\">" +
                 text(ReportText::exceptions_card) + "<b>" +
                 groupThousands(static_cast<std::int64_t>(exceptions)) + "</b>" +
                 text(ReportText::exceptions_card_note) + "</div>";
        if (summary_.bad_line_count > 0) {
            html_ += "<div class=\"card bad\">" + text(ReportText::unreadable_card) + "<b>" +
                     groupThousands(static_cast<std::int64_t>(summary_.bad_line_count)) +
                     "</b></div>";
        }
        html_ += "</div>\n";
    }

    void operators() {
        html_ += "<h2 id=\"operators\">" + text(ReportText::operators_heading) +
                 "</h2>\n<p class=\"muted\">" + text(ReportText::operators_intro) +
                 "</p>\n<div class=\"scroll\"><table class=\"money\">" +
                 headerRow({{ReportText::operator_col, false},
                            {ReportText::ledger_paid_col, true},
                            {ReportText::settled_col, true},
                            {ReportText::difference_col, true},
                            {ReportText::reimburse_col, true},
                            {ReportText::on_hold_col, true},
                            {ReportText::exceptions_col, true},
                            {ReportText::exception_file_col, false}});
        OperatorMoney total;
        for (const auto& [name, money] : summary_.money_by_operator) {
            std::string file;
            for (const auto& operator_file : context_.operator_files) {
                if (operator_file.operator_name == name) {
                    file = operator_file.file;
                }
            }
            moneyRow("<td>" + escapeHtml(name) + "</td>", money,
                     file.empty() ? "" : "<code>" + escapeHtml(file) + "</code>",
                     " data-operator=\"" + escapeHtml(name) + "\"");
            for (auto [from, to] : {std::pair{&money.ledger_paid, &total.ledger_paid},
                                    std::pair{&money.settled, &total.settled},
                                    std::pair{&money.reimburse, &total.reimburse}}) {
                to->count += from->count;
                to->amount += from->amount;
            }
            total.exceptions += money.exceptions;
        }
        moneyRow("<td>" + text(ReportText::total_row) + "</td>", total, "", " class=\"total\"");
        html_ += "</table></div>\n";
    }

    void moneyRow(const std::string& first, const OperatorMoney& money, const std::string& file,
                  const std::string& attributes) {
        const std::string count = text(ReportText::count_suffix);
        const auto withCount = [&](const Tally& tally) {
            return "<td class=\"num\">" + groupThousands(tally.amount) +
                   "<br><span class=\"muted\">" +
                   groupThousands(static_cast<std::int64_t>(tally.count)) +
                   (count.empty() ? "" : " " + count) + "</span></td>";
        };
        html_ += "<tr" + attributes + ">" + first + withCount(money.ledger_paid) +
                 withCount(money.settled) + numberCell(money.difference(), true) +
                 withCount(money.reimburse) + numberCell(money.onHold()) +
                 numberCell(static_cast<std::int64_t>(money.exceptions)) + "<td>" + file +
                 "</td></tr>\n";
    }

    void categories() {
        html_ += "<h2>" + text(ReportText::categories_heading) + "</h2>\n<table>" +
                 headerRow({{ReportText::category_col, false},
                            {ReportText::count_col, true},
                            {ReportText::amount_col, true},
                            {ReportText::meaning_col, false},
                            {ReportText::action_col, false}});
        for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
            const auto category = static_cast<Category>(c);
            html_ += std::string("<tr") + (isException(category) ? " class=\"exc\"" : "") +
                     " data-category=\"" + std::string(categoryName(category)) +
                     "\"><td><span class=\"chip\" style=\"background:" + kCategoryColours[c] +
                     "\"></span>" + std::string(categoryLabel(category, language_)) +
                     "<br><code class=\"muted\">" + std::string(categoryName(category)) +
                     "</code></td>" +
                     numberCell(static_cast<std::int64_t>(summary_.totals[c].count)) +
                     numberCell(summary_.totals[c].amount) + "<td>" +
                     escapeHtml(categoryExplanation(category, language_)) + "</td><td>" +
                     escapeHtml(categoryAction(category, language_)) + "</td></tr>\n";
        }
        html_ += "</table>\n<p class=\"muted\">" + text(ReportText::amounts_note) + "</p>\n";
    }

    void charts() {
        html_ += "<h2>" + text(ReportText::charts_heading) + "</h2>\n";
        std::vector<Bar> category_bars;
        for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
            Bar bar;
            bar.label = std::string(categoryLabel(static_cast<Category>(c), language_));
            bar.segments.push_back({summary_.totals[c].count, c});
            bar.note = groupThousands(static_cast<std::int64_t>(summary_.totals[c].count)) +
                       "  (NT$ " + groupThousands(summary_.totals[c].amount) + ")";
            category_bars.push_back(std::move(bar));
        }
        html_ += barChart(text(ReportText::chart_by_category), category_bars, language_);
        std::vector<std::size_t> exception_categories;
        for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
            if (isException(static_cast<Category>(c))) {
                exception_categories.push_back(c);
            }
        }
        html_ +=
            exceptionsChart(text(ReportText::chart_by_channel), summary_.by_channel, language_);
        html_ += legend(exception_categories, language_);
        html_ +=
            exceptionsChart(text(ReportText::chart_by_operator), summary_.by_operator, language_);
        html_ += legend(exception_categories, language_);
    }

    std::string historyCell(const ExceptionWriter::Row& row) const {
        if (!context_.history_used) {
            return "<td></td>";
        }
        if (!row[kExcAcknowledgedBy].empty()) {
            return "<td class=\"ack\">" + text(ReportText::history_acknowledged) +
                   escapeHtml(row[kExcAcknowledgedBy]) + "</td>";
        }
        if (row[kExcFirstSeen] != context_.generated_at) {
            return "<td class=\"seen\">" + text(ReportText::history_seen_since) +
                   escapeHtml(row[kExcFirstSeen].substr(0, 10)) + "</td>";
        }
        return "<td>" + text(ReportText::history_new) + "</td>";
    }

    void exceptions() {
        html_ += "<h2 id=\"exceptions\">" + text(ReportText::exceptions_heading) + "</h2>\n";
        html_ += "<p class=\"note\">" + text(ReportText::exceptions_intro) + " <code>" +
                 escapeHtml(context_.exceptions_file) + "</code> (" +
                 groupThousands(static_cast<std::int64_t>(summary_.exception_count)) + ").";
        if (!context_.operator_files.empty()) {
            html_ += "<br>" + text(ReportText::exceptions_per_operator);
            for (const auto& file : context_.operator_files) {
                html_ += " <code>" + escapeHtml(file.file) + "</code>";
            }
        }
        html_ += "<br>";
        if (context_.history_used) {
            html_ += text(ReportText::history_summary) +
                     groupThousands(static_cast<std::int64_t>(context_.marks.new_rows)) + " / " +
                     groupThousands(static_cast<std::int64_t>(context_.marks.carried_rows)) +
                     " / " +
                     groupThousands(static_cast<std::int64_t>(context_.marks.acknowledged_rows));
        } else {
            html_ += text(ReportText::history_off);
        }
        html_ += "</p>\n";
        std::string current;
        for (const auto& row : context_.preview) {
            if (row[kExcCategory] != current) {
                if (!current.empty()) {
                    html_ += "</table></div>\n";
                }
                current = row[kExcCategory];
                const auto category = parseCategory(current).value_or(Category::malformed);
                html_ += "<h3 data-category=\"" + escapeHtml(current) + "\">" +
                         std::string(categoryLabel(category, language_)) + " (" +
                         groupThousands(static_cast<std::int64_t>(
                             category == Category::malformed
                                 ? summary_.bad_line_count
                                 : summary_.totals[static_cast<std::size_t>(category)].count)) +
                         ")</h3>\n<div class=\"scroll\"><table class=\"exc\">" +
                         headerRow({{ReportText::claim_col, false},
                                    {ReportText::operator_col, false},
                                    {ReportText::terminal_col, false},
                                    {ReportText::status_col, false},
                                    {ReportText::ledger_amount_col, true},
                                    {ReportText::settled_amount_col, true},
                                    {ReportText::difference_col, true},
                                    {ReportText::reason_col, false},
                                    {ReportText::source_col, false},
                                    {ReportText::history_col, false}});
            }
            std::string source;
            if (!row[kExcSettlementFile].empty()) {
                // The file name is enough on screen; exceptions.csv has the full path.
                source =
                    row[kExcSettlementFile].substr(row[kExcSettlementFile].find_last_of('/') + 1) +
                    ":" + row[kExcSettlementLine];
            } else if (!row[kExcLedgerLine].empty()) {
                source = text(ReportText::ledger_line) + row[kExcLedgerLine];
            }
            const std::string& difference = row[kExcDifference];
            const char* difference_css = difference.empty()     ? "num"
                                         : difference[0] == '-' ? "num neg"
                                                                : "num pos";
            html_ += "<tr data-claim=\"" + escapeHtml(row[kExcClaimId]) + "\"><td class=\"nw\">" +
                     escapeHtml(row[kExcClaimId]) + "</td><td>" + escapeHtml(row[kExcOperator]) +
                     "</td><td>" + escapeHtml(row[kExcTerminalId]) + "</td><td>" +
                     escapeHtml(row[kExcLedgerStatus]) + "</td><td class=\"num\">" +
                     amountText(row[kExcLedgerAmount]) + "</td><td class=\"num\">" +
                     amountText(row[kExcSettlementAmount]) + "</td><td class=\"" + difference_css +
                     "\">" + (difference.empty() ? "" : signedThousands(std::stoll(difference))) +
                     "</td><td>" + escapeHtml(row[kExcReason]) + "</td><td>" + escapeHtml(source) +
                     "</td>" + historyCell(row) + "</tr>\n";
        }
        if (!current.empty()) {
            html_ += "</table></div>\n";
        }
    }

    static std::string amountText(const std::string& value) {
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
            return escapeHtml(value);
        }
        return groupThousands(std::stoll(value));
    }

    void resolutions() {
        html_ += "<h2>" + text(ReportText::resolutions_heading) + "</h2>\n<p>" +
                 groupThousands(static_cast<std::int64_t>(summary_.resolutions_paid)) +
                 text(ReportText::resolutions_paid) +
                 groupThousands(static_cast<std::int64_t>(summary_.resolutions_voided)) +
                 text(ReportText::resolutions_voided) + " " +
                 text(summary_.resolutions_applied ? ReportText::resolutions_applied
                                                   : ReportText::resolutions_not_applied) +
                 "</p>\n";
    }

    void inputs() {
        html_ += "<h2>" + text(ReportText::inputs_heading) + "</h2>\n<p>" +
                 text(ReportText::ledger_export) + ": <code>" + escapeHtml(summary_.ledger_file) +
                 "</code> (" + groupThousands(static_cast<std::int64_t>(summary_.ledger_records)) +
                 ")<br>" + text(ReportText::settlement_files) + " (" +
                 std::to_string(summary_.settlement_files.size()) + "):</p><ul>";
        for (std::size_t i = 0;
             i < summary_.settlement_files.size() && i < kSettlementFilesListedMax; ++i) {
            html_ += "<li><code>" + escapeHtml(summary_.settlement_files[i]) + "</code></li>";
        }
        if (summary_.settlement_files.size() > kSettlementFilesListedMax) {
            html_ += "<li>... " +
                     std::to_string(summary_.settlement_files.size() - kSettlementFilesListedMax) +
                     " " + text(ReportText::and_more) + "</li>";
        }
        html_ += "</ul>\n";
        if (!context_.manifest_given) {
            html_ += "<p class=\"muted\">" + text(ReportText::no_manifest) + "</p>\n";
        }
        if (summary_.bad_line_count > 0) {
            html_ += "<h2>" + text(ReportText::bad_lines_heading) + " (" +
                     groupThousands(static_cast<std::int64_t>(summary_.bad_line_count)) +
                     ", --max-bad-lines " + std::to_string(summary_.bad_line_limit) +
                     ")</h2>\n<p>" + text(ReportText::bad_lines_intro) + "</p><ul>";
            for (const BadLine& line : summary_.bad_lines) {
                html_ += "<li><code>" + escapeHtml(line.file) + ":" + std::to_string(line.line) +
                         "</code> " + escapeHtml(line.reason) + "</li>";
            }
            html_ += "</ul>\n";
        }
    }

    const MatchSummary& summary_;
    const ReportContext& context_;
    ReportLanguage language_;
    std::string html_;
};

}  // namespace

nlohmann::json reportJson(const MatchSummary& summary, const ReportContext& context) {
    nlohmann::json report = talliesJson(summary.totals);
    nlohmann::json by_channel = nlohmann::json::object();
    for (const auto& [name, tallies] : summary.by_channel) {
        by_channel[name] = talliesJson(tallies);
    }
    nlohmann::json by_operator = nlohmann::json::object();
    for (const auto& [name, tallies] : summary.by_operator) {
        by_operator[name] = talliesJson(tallies);
    }
    nlohmann::json money = nlohmann::json::object();
    for (const auto& [name, entry] : summary.money_by_operator) {
        money[name] = {{"ledger_paid", tallyJson(entry.ledger_paid)},
                       {"settled", tallyJson(entry.settled)},
                       {"difference", entry.difference()},
                       {"reimburse", tallyJson(entry.reimburse)},
                       {"on_hold", entry.onHold()},
                       {"exceptions", entry.exceptions}};
    }
    report["by_channel"] = by_channel;
    report["by_operator"] = by_operator;
    report["money_by_operator"] = money;
    report["programs"] = summary.programs;
    report["business_dates"] = {{"first", summary.business_dates.first},
                                {"last", summary.business_dates.last}};
    report["settlement_dates"] = {{"first", summary.settlement_dates.first},
                                  {"last", summary.settlement_dates.last}};
    report["records"] = {{"ledger", summary.ledger_records},
                         {"settlement", summary.settlement_records}};
    nlohmann::json files = nlohmann::json::object();
    for (const auto& file : context.operator_files) {
        files[file.operator_name] = {{"file", file.file}, {"rows", file.rows}};
    }
    report["exceptions"] = {{"count", summary.exception_count},
                            {"file", context.exceptions_file},
                            {"by_operator_files", files}};
    if (context.history_used) {
        report["exceptions"]["new"] = context.marks.new_rows;
        report["exceptions"]["carried_forward"] = context.marks.carried_rows;
        report["exceptions"]["acknowledged"] = context.marks.acknowledged_rows;
    }
    if (context.manifest_given) {
        nlohmann::json missing = nlohmann::json::array();
        for (const ExpectedFile& file : context.expected_files) {
            if (!file.arrived) {
                missing.push_back({{"operator", file.operator_name},
                                   {"business_date", file.business_date},
                                   {"file", file.file_name}});
            }
        }
        report["missing_files"] = missing;
    }
    nlohmann::json bad = nlohmann::json::array();
    for (const BadLine& line : summary.bad_lines) {
        bad.push_back({{"file", line.file}, {"line", line.line}, {"reason", line.reason}});
    }
    report["bad_lines"] = {
        {"count", summary.bad_line_count}, {"limit", summary.bad_line_limit}, {"first", bad}};
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

std::string reportHtml(const MatchSummary& summary, const ReportContext& context) {
    return HtmlReport(summary, context).render();
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
