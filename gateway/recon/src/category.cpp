#include <claimgate/recon/category.hpp>
#include <claimgate/recon/resolution_sink.hpp>

namespace claimgate::recon {
namespace {

struct CategoryText {
    std::string_view name;
    std::string_view label_en;
    std::string_view label_zh;
    std::string_view explanation_en;
    std::string_view explanation_zh;
    std::string_view action_en;
    std::string_view action_zh;
    int review_rank;
};

/// Exhaustive on purpose (no default): a new category does not compile until it has its texts.
constexpr CategoryText textOf(Category category) noexcept {
    switch (category) {
        case Category::matched:
            return {"matched",
                    "matched",
                    "相符",
                    "Paid in the ledger and settled once by the operator for the same amount.",
                    "帳本記為已付款，業者清算一次且金額相同。",
                    "Nothing to do.",
                    "無需處理。",
                    8};
        case Category::voided:
            return {"voided",
                    "voided",
                    "已作廢",
                    "Voided in the ledger (not paid out) and no operator reports a payment.",
                    "帳本記為作廢（未付款），且沒有業者申報付款。",
                    "Nothing to do.",
                    "無需處理。",
                    9};
        case Category::amount_mismatch:
            return {"amount_mismatch",
                    "amount mismatch",
                    "金額不符",
                    "Paid in the ledger, settled once, but the operator's amount differs from "
                    "the ledger's.",
                    "帳本記為已付款，業者清算一次，但金額與帳本不同。",
                    "Ask the operator for the terminal journal of this payment; recover or top up "
                    "the difference.",
                    "請業者提供該筆交易的終端機日誌，追回或補足差額。",
                    2};
        case Category::missing_in_settlement:
            return {"missing_in_settlement",
                    "missing in settlement",
                    "清算檔缺漏",
                    "Paid in the ledger, but no operator's settlement file has the claim.",
                    "帳本記為已付款，但沒有任何業者的清算檔列出此筆。",
                    "Check that every operator's file for the day was received; otherwise ask "
                    "the operator (the terminal committed but the operator does not report the "
                    "payment).",
                    "先確認各業者當日清算檔均已收到；若已收到，請向業者查詢（終端機已確認付款，"
                    "業者卻未申報）。",
                    4};
        case Category::missing_in_ledger:
            return {"missing_in_ledger",
                    "missing in ledger",
                    "帳本無付款",
                    "An operator reports a payment the ledger does not have as paid: the claim "
                    "id is unknown, or the ledger says the claim was voided.",
                    "業者申報了帳本中不是已付款的款項：領取編號不存在，或帳本記為作廢。",
                    "Treat as a possible double or fraudulent payment: ask the operator for the "
                    "terminal journal; do not pay the operator until explained.",
                    "視為可能的重複或冒領付款：請業者提供終端機日誌，釐清前暫不撥付業者。",
                    1};
        case Category::duplicate_in_settlement:
            return {"duplicate_in_settlement",
                    "duplicate in settlement",
                    "清算檔重複",
                    "A second (or later) settlement row for the same claim: the operator reports "
                    "the same payment more than once.",
                    "同一筆領取在清算檔出現第二次（或更多次）：業者重複申報同一筆付款。",
                    "Ask the operator to correct its file; pay the claim once.",
                    "請業者更正清算檔；此筆只撥付一次。",
                    3};
        case Category::in_doubt_paid:
            return {"in_doubt_paid",
                    "in doubt, paid",
                    "未確定・業者已付",
                    "Held or in doubt in the ledger (the terminal lost contact), but an operator "
                    "reports the payment.",
                    "帳本記為保留中或未確定（終端機失去連線），但業者申報已付款。",
                    "Resolve as paid (match --apply does this for in-doubt claims, with the "
                    "settlement row as evidence).",
                    "以清算資料為證，結案為已付款（對未確定的領取執行 match --apply）。",
                    5};
        case Category::in_doubt_unpaid:
            return {
                "in_doubt_unpaid",
                "in doubt, unpaid",
                "未確定・業者未付",
                "Held or in doubt in the ledger, and no operator reports a payment.",
                "帳本記為保留中或未確定，且沒有業者申報付款。",
                "Once the settlement period is closed, resolve as voided (match "
                "--closed-before T --apply) so the citizen may claim again.",
                "清算期間結束後結案為作廢（match --closed-before T --apply），民眾即可再次領取。",
                6};
        case Category::malformed:
            return {"malformed",
                    "unreadable line",
                    "無法讀取的資料列",
                    "An input line that could not be read (wrong field count, bad amount, ...).",
                    "輸入檔中無法讀取的一行（欄位數錯誤、金額格式錯誤等）。",
                    "Fix the file (see file and line) and run match again.",
                    "修正該檔案（見檔名與行號）後重新執行對帳。",
                    0};
    }
    return {"malformed", "", "", "", "", "", "", 0};  // unreachable: every category is above
}

}  // namespace

std::string_view categoryName(Category category) noexcept { return textOf(category).name; }

std::optional<Category> parseCategory(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kCategoryCount; ++i) {
        if (textOf(static_cast<Category>(i)).name == name) {
            return static_cast<Category>(i);
        }
    }
    return std::nullopt;
}

bool carriesSettlementRow(Category category) noexcept {
    switch (category) {
        case Category::matched:
        case Category::amount_mismatch:
        case Category::missing_in_ledger:
        case Category::duplicate_in_settlement:
        case Category::in_doubt_paid:
            return true;
        case Category::voided:
        case Category::missing_in_settlement:
        case Category::in_doubt_unpaid:
        case Category::malformed:
            return false;
    }
    return false;
}

std::optional<ReportLanguage> parseReportLanguage(std::string_view name) noexcept {
    if (name == "zh-TW" || name == "zh_TW") {
        return ReportLanguage::zh_TW;
    }
    if (name == "en") {
        return ReportLanguage::en;
    }
    return std::nullopt;
}

std::string_view reportLanguageTag(ReportLanguage language) noexcept {
    return language == ReportLanguage::en ? "en" : "zh-TW";
}

std::string_view categoryLabel(Category category, ReportLanguage language) noexcept {
    const CategoryText text = textOf(category);
    return language == ReportLanguage::en ? text.label_en : text.label_zh;
}

std::string_view categoryExplanation(Category category, ReportLanguage language) noexcept {
    const CategoryText text = textOf(category);
    return language == ReportLanguage::en ? text.explanation_en : text.explanation_zh;
}

std::string_view categoryAction(Category category, ReportLanguage language) noexcept {
    const CategoryText text = textOf(category);
    return language == ReportLanguage::en ? text.action_en : text.action_zh;
}

int categoryReviewRank(Category category) noexcept { return textOf(category).review_rank; }

std::string_view resolutionOutcomeName(ResolutionOutcome outcome) noexcept {
    return outcome == ResolutionOutcome::paid ? "paid" : "voided";
}

}  // namespace claimgate::recon
