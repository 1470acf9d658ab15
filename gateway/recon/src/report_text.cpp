#include <claimgate/recon/report_text.hpp>

namespace claimgate::recon {
namespace {

struct Pair {
    std::string_view zh;
    std::string_view en;
};

constexpr Pair pairOf(ReportText text) noexcept {
    using T = ReportText;
    switch (text) {
        case T::page_title:
            return {"claimgate 對帳報告", "claimgate reconciliation report"};
        case T::heading:
            return {"對帳報告", "Reconciliation report"};
        case T::generated:
            return {"產生時間", "Generated"};
        case T::currency_note:
            return {"金額單位均為新臺幣（元）。", "All amounts in New Taiwan dollars (TWD)."};
        case T::programme:
            return {"計畫", "Programme"};
        case T::business_dates:
            return {"營業日", "Business dates"};
        case T::business_dates_note:
            return {"帳本中保留（領取）時間的日期範圍", "dates of the ledger claims' hold times"};
        case T::settlement_period:
            return {"清算期間", "Settlement period"};
        case T::settlement_period_note:
            return {"清算檔中付款時間的日期範圍", "dates of the settlement rows' payment times"};
        case T::closed_before:
            return {"清算截止", "Period closed before"};
        case T::not_closed:
            return {"未指定（未確定的領取不會被作廢）", "not given (no in-doubt claim is voided)"};
        case T::missing_files_heading:
            return {"缺少的清算檔", "Missing settlement files"};
        case T::missing_files_intro:
            return {
                "以下業者／營業日的清算檔應到而未到。在收到之前，這些業者當日的付款都會顯示為"
                "「清算檔缺漏」，請勿據此處理。",
                "These expected operator/day files have not arrived. Until they do, every "
                "payment of that operator and day shows as missing in settlement: do not act "
                "on those."};
        case T::all_files_arrived:
            return {"清單中的清算檔均已收到。", "Every expected settlement file arrived."};
        case T::no_manifest:
            return {"未提供應收清算檔清單（--manifest），無法檢查是否有檔案未到。",
                    "No manifest of expected files was given (--manifest): missing files cannot "
                    "be detected."};
        case T::operator_col:
            return {"業者", "Operator"};
        case T::business_date_col:
            return {"營業日", "Business date"};
        case T::expected_file_col:
            return {"應收檔名", "Expected file"};
        case T::ledger_claims:
            return {"帳本領取筆數", "Ledger claims"};
        case T::settlement_rows:
            return {"清算資料筆數", "Settlement rows"};
        case T::from_files:
            return {"個檔案", "file(s)"};
        case T::matched_card:
            return {"相符", "Matched"};
        case T::exceptions_card:
            return {"待查例外", "Exceptions to review"};
        case T::exceptions_card_note:
            return {"各類金額性質不同，不予加總，見下表。",
                    "Amounts of different kinds are not added up; see the table."};
        case T::unreadable_card:
            return {"無法讀取的資料列", "Unreadable input lines"};
        case T::operators_heading:
            return {"各業者金額", "Money by operator"};
        case T::operators_intro:
            return {
                "帳本已付：帳本中記為已付款的領取。已清算：業者清算檔申報的付款（含重複與帳本無付款"
                "者）。"
                "差額＝已清算－帳本已付。應撥付：相符的付款，可立即撥付業者。暫緩：已清算但尚待例外"
                "處理的金額。",
                "Ledger paid: claims the ledger has as paid. Settled: payments the operator's "
                "files report (duplicates and unknown claims included). Difference = settled "
                "- ledger paid. To reimburse: the matched payments, undisputed. On hold: "
                "settled but waiting for its exception to be resolved."};
        case T::ledger_paid_col:
            return {"帳本已付", "Ledger paid"};
        case T::settled_col:
            return {"已清算", "Settled"};
        case T::difference_col:
            return {"差額", "Difference"};
        case T::reimburse_col:
            return {"應撥付", "To reimburse"};
        case T::on_hold_col:
            return {"暫緩", "On hold"};
        case T::exceptions_col:
            return {"例外筆數", "Exceptions"};
        case T::exception_file_col:
            return {"例外清單檔", "Exceptions file"};
        case T::count_suffix:
            return {"筆", ""};
        case T::total_row:
            return {"合計", "Total"};
        case T::categories_heading:
            return {"各類結果", "Outcomes by category"};
        case T::category_col:
            return {"類別", "Category"};
        case T::count_col:
            return {"筆數", "Count"};
        case T::amount_col:
            return {"金額", "Amount (TWD)"};
        case T::meaning_col:
            return {"說明", "What it means"};
        case T::action_col:
            return {"處理方式", "What to do"};
        case T::amounts_note:
            return {
                "金額：有清算資料者（相符、金額不符、清算檔重複、帳本無付款、未確定・業者已付）為業"
                "者清算的金額，"
                "其餘為帳本金額。",
                "Amounts: what the operator settled where a settlement row exists (matched, "
                "amount mismatch, duplicate, missing in ledger, in doubt paid), otherwise the "
                "ledger amount."};
        case T::charts_heading:
            return {"圖表", "Charts"};
        case T::chart_by_category:
            return {"各類筆數", "Records by category"};
        case T::chart_by_channel:
            return {"各通路例外（通路 unknown：帳本中不存在的領取）",
                    "Exceptions by channel (channel \"unknown\": rows for claims the ledger does "
                    "not know)"};
        case T::chart_by_operator:
            return {"各業者例外", "Exceptions by operator"};
        case T::chart_exceptions_of:
            return {"筆例外／共", "exceptions of"};
        case T::chart_records:
            return {"筆", "records"};
        case T::nothing_to_show:
            return {"無資料", "nothing to show"};
        case T::exceptions_heading:
            return {"例外明細", "Exceptions"};
        case T::exceptions_intro:
            return {
                "依處理優先順序分類（先處理無法讀取的資料與可能的重複付款），類別內依業者與領取編號"
                "排序。"
                "每類最多顯示前幾筆；完整清單見",
                "Grouped by what to act on first (unreadable input, possible double "
                "payments, ...), sorted by operator and claim id inside a group. Each group "
                "shows its first rows; the full list is"};
        case T::exceptions_per_operator:
            return {"各業者的例外清單（可寄送給該業者）：",
                    "One exceptions file per operator, to send to each:"};
        case T::claim_col:
            return {"領取編號", "Claim"};
        case T::reason_col:
            return {"原因", "Reason"};
        case T::terminal_col:
            return {"終端機", "Terminal"};
        case T::status_col:
            return {"帳本狀態", "Ledger status"};
        case T::ledger_amount_col:
            return {"帳本金額", "Ledger amount"};
        case T::settled_amount_col:
            return {"清算金額", "Settled amount"};
        case T::source_col:
            return {"來源（檔案:行）", "Source (file:line)"};
        case T::history_col:
            return {"前次對帳", "Earlier runs"};
        case T::history_new:
            return {"新", "new"};
        case T::history_seen_since:
            return {"自此起列出：", "listed since "};
        case T::history_acknowledged:
            return {"已確認：", "acknowledged by "};
        case T::history_off:
            return {"未使用例外狀態檔（--state），無法標示前次已列出或已確認的例外。",
                    "No exception state file (--state): exceptions of earlier runs are not "
                    "marked."};
        case T::history_summary:
            return {"新例外／前次已列出／已確認：", "New / carried forward / acknowledged: "};
        case T::ledger_line:
            return {"帳本第", "ledger line "};
        case T::resolutions_heading:
            return {"未確定領取的結案", "In-doubt resolutions"};
        case T::resolutions_paid:
            return {"筆未確定的領取結案為「已付款」（有清算資料為證）；",
                    " in-doubt claim(s) resolve as paid (a settlement row shows the payment); "};
        case T::resolutions_voided:
            return {"筆結案為「作廢」（於 --closed-before 之前保留，且無清算資料）。",
                    " as voided (held before --closed-before, no settlement row)."};
        case T::resolutions_applied:
            return {"已寫入帳本（--apply）。", "They were applied to the ledger (--apply)."};
        case T::resolutions_not_applied:
            return {"尚未寫入帳本：請先檢視 resolutions.csv，再以 --data-dir DIR --apply 執行。",
                    "They were not applied: review resolutions.csv, then run again with "
                    "--data-dir DIR --apply."};
        case T::inputs_heading:
            return {"輸入檔案", "Inputs"};
        case T::ledger_export:
            return {"帳本匯出檔", "Ledger export"};
        case T::settlement_files:
            return {"清算檔", "Settlement files"};
        case T::and_more:
            return {"其餘見 report.json", "more, all listed in report.json"};
        case T::bad_lines_heading:
            return {"無法讀取的資料列", "Unreadable input lines"};
        case T::bad_lines_intro:
            return {
                "以下各行無法讀取，已列為例外清單中的 "
                "malformed。請先修正檔案並重新對帳，再依本報告處理。",
                "These lines could not be read; they are rows of category malformed in the "
                "exceptions file. Fix the files and run match again before acting on this "
                "report."};
    }
    return {"", ""};  // unreachable: every text is above
}

}  // namespace

std::string_view reportText(ReportText text, ReportLanguage language) noexcept {
    const Pair pair = pairOf(text);
    return language == ReportLanguage::en ? pair.en : pair.zh;
}

}  // namespace claimgate::recon
