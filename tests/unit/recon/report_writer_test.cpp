#include "recon_test_support.hpp"

#include <claimgate/recon/report_writer.hpp>

namespace claimgate::recon::test {
namespace {

TEST(ReportWriterTest, JsonHasTheContractKeysAndEveryCategory) {
    TempDir dir;
    const RunResult result = runMatch(
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid") +
                              ledgerLine("c_2", "paid", 6000, "kiosk", "CVS711")),
        {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1"))});
    ASSERT_TRUE(result.status.ok());
    const nlohmann::json report = reportJson(result.summary);
    for (const char* key : {"counts", "by_channel", "by_operator", "records", "seconds",
                            "amounts", "bad_lines", "resolutions"}) {
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
    const RunResult result = runMatch(
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid")),
        {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1") +
                               settlementLine("\"" + evil + "\""))});
    ASSERT_TRUE(result.status.ok());
    const std::string html = reportHtml(result.summary, result.exceptions.rows, "exceptions.csv");
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // SVG namespace only
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("<rect"), std::string::npos);
    EXPECT_NE(html.find("exceptions.csv"), std::string::npos);
    EXPECT_NE(html.find("TWD"), std::string::npos);
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
