#include "recon_test_support.hpp"

#include <claimgate/recon/report_writer.hpp>

namespace claimgate::recon::test {
namespace {

TEST(ReportWriterTest, JsonHasTheContractKeysAndEveryCategory) {
    TempDir dir;
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid") +
                                       ledgerLine("c_2", "paid", 6000, "kiosk", "CVS711")),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1"))});
    ASSERT_TRUE(result.status.ok());
    const nlohmann::json report = reportJson(result.summary);
    for (const char* key : {"counts", "by_channel", "by_operator", "records", "seconds", "amounts",
                            "bad_lines", "resolutions"}) {
        EXPECT_TRUE(report.contains(key)) << key;
    }
    EXPECT_EQ(report["counts"].size(), kMatchCategoryCount);
    EXPECT_EQ(report["counts"]["matched"], 1);
    EXPECT_EQ(report["counts"]["missing_in_settlement"], 1);
    EXPECT_EQ(report["amounts"]["matched"], 6000);
    EXPECT_EQ(report["records"]["ledger"], 2);
    EXPECT_EQ(report["records"]["settlement"], 1);
    EXPECT_EQ(report["by_channel"]["kiosk"]["counts"]["missing_in_settlement"], 1);
    EXPECT_EQ(report["by_operator"]["BANK004"]["amounts"]["matched"], 6000);
}

TEST(ReportWriterTest, HtmlIsSelfContainedAndEscapesInput) {
    TempDir dir;
    const std::string evil = "<script>alert(1)</script>";
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid")),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1") +
                                        settlementLine("\"" + evil + "\""))});
    ASSERT_TRUE(result.status.ok());
    ReportContext context;
    context.preview = result.exceptions.rows;
    const std::string html = reportHtml(result.summary, context);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // SVG namespace only
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("<rect"), std::string::npos);
    EXPECT_NE(html.find("exceptions.csv"), std::string::npos);
    EXPECT_NE(html.find("新臺幣"), std::string::npos) << "Traditional Chinese by default";
    context.language = ReportLanguage::en;
    EXPECT_NE(reportHtml(result.summary, context).find("TWD"), std::string::npos);
}

TEST(ReportWriterTest, MoneyByOperatorNeverAddsUnlikeAmounts) {
    TempDir dir;
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid") +
                                       ledgerLine("c_2", "paid") + ledgerLine("c_3", "paid")),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1") +
                                        settlementLine("c_2", 5000) + settlementLine("c_9", 700))});
    ASSERT_TRUE(result.status.ok());
    const nlohmann::json money = reportJson(result.summary)["money_by_operator"]["BANK004"];
    EXPECT_EQ(money["ledger_paid"]["amount"], 18000);
    EXPECT_EQ(money["settled"]["amount"], 6000 + 5000 + 700);
    EXPECT_EQ(money["difference"], 11700 - 18000);
    EXPECT_EQ(money["reimburse"]["amount"], 6000) << "only the matched payment";
    EXPECT_EQ(money["on_hold"], 5700);
    EXPECT_EQ(money["exceptions"], 3);
    ReportContext context;
    context.language = ReportLanguage::en;
    const std::string html = reportHtml(result.summary, context);
    EXPECT_EQ(html.find("Exceptions to review<b>3</b>NT$"), std::string::npos)
        << "the exceptions card is a count, never a sum of unlike amounts";
    EXPECT_NE(html.find("-6,300"), std::string::npos) << "the operator's difference";
}

TEST(ReportWriterTest, GroupsThousands) {
    EXPECT_EQ(groupThousands(0), "0");
    EXPECT_EQ(groupThousands(999), "999");
    EXPECT_EQ(groupThousands(1000), "1,000");
    EXPECT_EQ(groupThousands(138000000000), "138,000,000,000");
    EXPECT_EQ(groupThousands(-6000), "-6,000");
}

}  // namespace
}  // namespace claimgate::recon::test
