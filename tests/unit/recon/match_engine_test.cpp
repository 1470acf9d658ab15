// The rules of contracts §11 (one table row per test case) and the engine's handling of input.
#include "recon_test_support.hpp"

#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/fixture_generator.hpp>
#include <claimgate/recon/recon_csv_format.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

namespace claimgate::recon::test {
namespace {

struct RuleCase {
    const char* name;
    const char* ledger_status;  // "" = no such claim in the ledger
    std::vector<long> settlement_amounts;
    std::map<Category, std::uint64_t> expected;
};

std::ostream& operator<<(std::ostream& out, const RuleCase& rule) { return out << rule.name; }

class MatchRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(MatchRuleTest, ClassifiesAsTheTableSays) {
    const RuleCase& rule = GetParam();
    TempDir dir;
    std::string ledger = kLedgerHeader;
    // A bystander claim that matches, so every case runs with a non-trivial ledger.
    ledger += ledgerLine("c_other", "paid");
    if (std::string(rule.ledger_status).size() > 0) {
        ledger += ledgerLine("c_subject", rule.ledger_status);
    }
    std::string settlement = std::string(kSettlementHeader) + settlementLine("c_other");
    for (const long amount : rule.settlement_amounts) {
        settlement += settlementLine("c_subject", amount);
    }
    const RunResult result =
        runMatch(dir.file("ledger.csv", ledger), {dir.file("s.csv", settlement)});
    ASSERT_TRUE(result.status.ok()) << result.status.message();
    std::map<Category, std::uint64_t> expected = rule.expected;
    ++expected[Category::matched];  // the bystander
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        const auto category = static_cast<Category>(c);
        EXPECT_EQ(result.count(category), expected[category]) << categoryName(category);
    }
    std::uint64_t exceptions = 0;
    for (const auto& [category, count] : expected) {
        exceptions += isException(category) ? count : 0;
    }
    EXPECT_EQ(result.exceptions.rows.size(), exceptions);
    EXPECT_EQ(result.summary.exception_count, exceptions);
    for (const auto& row : result.exceptions.rows) {
        EXPECT_EQ(row[0], "c_subject");
    }
}

INSTANTIATE_TEST_SUITE_P(
    Design11, MatchRuleTest,
    ::testing::Values(
        RuleCase{"PaidOneSameAmountIsMatched", "paid", {6000}, {{Category::matched, 1}}},
        RuleCase{
            "PaidOneOtherAmountIsAmountMismatch", "paid", {5000}, {{Category::amount_mismatch, 1}}},
        RuleCase{
            "PaidNoneIsMissingInSettlement", "paid", {}, {{Category::missing_in_settlement, 1}}},
        RuleCase{"HeldWithRowIsInDoubtPaid", "held", {6000}, {{Category::in_doubt_paid, 1}}},
        RuleCase{"InDoubtWithRowIsInDoubtPaid", "in_doubt", {6000}, {{Category::in_doubt_paid, 1}}},
        RuleCase{"InDoubtWithTwoRowsIsInDoubtPaidAndDuplicate",
                 "in_doubt",
                 {6000, 6000},
                 {{Category::in_doubt_paid, 1}, {Category::duplicate_in_settlement, 1}}},
        RuleCase{"HeldNoneIsInDoubtUnpaid", "held", {}, {{Category::in_doubt_unpaid, 1}}},
        RuleCase{"InDoubtNoneIsInDoubtUnpaid", "in_doubt", {}, {{Category::in_doubt_unpaid, 1}}},
        RuleCase{"VoidedNoneIsVoided", "voided", {}, {{Category::voided, 1}}},
        RuleCase{
            "VoidedWithRowIsMissingInLedger", "voided", {6000}, {{Category::missing_in_ledger, 1}}},
        RuleCase{"VoidedWithTwoRowsIsMissingInLedgerAndDuplicate",
                 "voided",
                 {6000, 6000},
                 {{Category::missing_in_ledger, 1}, {Category::duplicate_in_settlement, 1}}},
        RuleCase{"UnknownClaimIsMissingInLedgerPerRow",
                 "",
                 {6000, 6000, 6000},
                 {{Category::missing_in_ledger, 3}}},
        RuleCase{"PaidThreeRowsIsMatchedAndTwoDuplicates",
                 "paid",
                 {6000, 6000, 6000},
                 {{Category::matched, 1}, {Category::duplicate_in_settlement, 2}}},
        RuleCase{"PaidLaterRowWithLedgerAmountWins",
                 "paid",
                 {5000, 6000},
                 {{Category::matched, 1}, {Category::duplicate_in_settlement, 1}}},
        RuleCase{"PaidTwoOtherAmountsIsMismatchAndDuplicate",
                 "paid",
                 {5000, 4000},
                 {{Category::amount_mismatch, 1}, {Category::duplicate_in_settlement, 1}}}),
    [](const ::testing::TestParamInfo<RuleCase>& param_info) {
        return std::string(param_info.param.name);
    });

TEST(MatchEngineTest, PromotedRowLeavesTheOtherAmountAsTheDuplicate) {
    TempDir dir;
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid")),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1", 5000) +
                                        settlementLine("c_1", 6000))});
    ASSERT_TRUE(result.status.ok());
    ASSERT_EQ(result.exceptions.rows.size(), 1U);
    const auto& row = result.exceptions.rows[0];
    EXPECT_EQ(row[1], "duplicate_in_settlement");
    EXPECT_EQ(row[18], "5000");  // settlement_amount
    EXPECT_EQ(row[14], "2");     // its line
    EXPECT_EQ(
        result.summary.totals[static_cast<std::size_t>(Category::duplicate_in_settlement)].amount,
        5000);
}

TEST(MatchEngineTest, AmountMismatchExceptionCarriesBothAmountsAndBothSides) {
    TempDir dir;
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid")),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1", 5000))});
    ASSERT_EQ(result.exceptions.rows.size(), 1U);
    const auto& row = result.exceptions.rows[0];
    EXPECT_EQ(row[1], "amount_mismatch");
    EXPECT_EQ(row[3], "2");  // ledger_line
    EXPECT_EQ(row[4], "CASH2023");
    EXPECT_EQ(row[10], "6000");  // ledger_amount
    EXPECT_EQ(row[18], "5000");  // settlement_amount
    EXPECT_EQ(row[14], "2");     // settlement_line
    EXPECT_NE(row[2].find("5000"), std::string::npos);
    EXPECT_EQ(row[kExcDifference], "-1000");  // settled - ledger
}

TEST(MatchEngineTest, TalliesByChannelAndOperator) {
    TempDir dir;
    std::string ledger = kLedgerHeader;
    ledger += ledgerLine("c_1", "paid", 6000, "atm", "BANK004");
    ledger += ledgerLine("c_2", "paid", 6000, "counter", "POST700");
    ledger += ledgerLine("c_3", "paid", 6000, "kiosk", "CVS711");
    ledger += ledgerLine("c_4", "voided", 6000, "kiosk", "CVS711");
    const std::string s1 = std::string(kSettlementHeader) + settlementLine("c_1", 6000, "BANK004");
    const std::string s2 = std::string(kSettlementHeader) + settlementLine("c_2", 6000, "POST700") +
                           settlementLine("c_9", 700, "POST700");
    const RunResult result = runMatch(dir.file("l.csv", ledger),
                                      {dir.file("BANK004.csv", s1), dir.file("POST700.csv", s2)});
    ASSERT_TRUE(result.status.ok());
    std::map<std::string, CategoryTallies> channels(result.summary.by_channel.begin(),
                                                    result.summary.by_channel.end());
    std::map<std::string, CategoryTallies> operators(result.summary.by_operator.begin(),
                                                     result.summary.by_operator.end());
    const auto at = [](Category c) { return static_cast<std::size_t>(c); };
    EXPECT_EQ(channels["atm"][at(Category::matched)].count, 1U);
    EXPECT_EQ(channels["counter"][at(Category::matched)].amount, 6000);
    EXPECT_EQ(channels["kiosk"][at(Category::missing_in_settlement)].count, 1U);
    EXPECT_EQ(channels["kiosk"][at(Category::voided)].count, 1U);
    EXPECT_EQ(channels["unknown"][at(Category::missing_in_ledger)].amount, 700);
    EXPECT_EQ(operators["POST700"][at(Category::missing_in_ledger)].count, 1U);
    EXPECT_EQ(operators["CVS711"][at(Category::voided)].count, 1U);
    EXPECT_EQ(result.summary.ledger_records, 4U);
    EXPECT_EQ(result.summary.settlement_records, 3U);
}

TEST(MatchEngineTest, DirectoryArgumentMeansItsCsvFilesSortedByName) {
    TempDir dir;
    const std::string ledger =
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid") +
                              ledgerLine("c_2", "paid"));
    // Sorted by name, b_ comes before c_: the 5000 row of b_ is the first row of c_1.
    (void)dir.file("days/c_second.csv",
                   std::string(kSettlementHeader) + settlementLine("c_1", 4000));
    (void)dir.file("days/b_first.csv",
                   std::string(kSettlementHeader) + settlementLine("c_1", 5000));
    (void)dir.file("days/notes.txt", "not a settlement file");
    const std::string extra =
        dir.file("extra.csv", std::string(kSettlementHeader) + settlementLine("c_2"));
    auto files = expandSettlementPaths({dir.path() + "/days", extra});
    ASSERT_TRUE(files.ok());
    ASSERT_EQ(files.value().size(), 3U);
    EXPECT_NE(files.value()[0].find("b_first.csv"), std::string::npos);
    EXPECT_NE(files.value()[1].find("c_second.csv"), std::string::npos);
    const RunResult result = runMatch(ledger, {dir.path() + "/days", extra});
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.count(Category::amount_mismatch), 1U);
    EXPECT_EQ(result.count(Category::duplicate_in_settlement), 1U);
    EXPECT_EQ(result.count(Category::matched), 1U);
    ASSERT_EQ(result.exceptions.rows.size(), 2U);
    // The amount_mismatch evidence is the first row in file order (b_first.csv, 5000).
    for (const auto& row : result.exceptions.rows) {
        if (row[1] == "amount_mismatch") {
            EXPECT_EQ(row[18], "5000");
        }
    }
}

TEST(MatchEngineTest, MissingSettlementPathIsAnError) {
    TempDir dir;
    auto files = expandSettlementPaths({dir.path() + "/nope.csv"});
    ASSERT_FALSE(files.ok());
    EXPECT_NE(files.status().message().find("nope.csv"), std::string::npos);
}

TEST(MatchEngineTest, ShuffledAndSplitSettlementGivesTheSameCounts) {
    TempDir dir;
    FixtureOptions options;
    options.claims = 20000;
    options.seed = 5;
    options.days = 3;
    options.out_dir = dir.path() + "/fixture";
    auto stats = FixtureGenerator(options).run();
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    const std::string ledger = options.out_dir + "/ledger.csv";
    const RunResult original = runMatch(ledger, {options.out_dir + "/settlement"});
    ASSERT_TRUE(original.status.ok()) << original.status.message();
    EXPECT_EQ(original.summary.settlement_records, stats->settlement_rows);
    EXPECT_GT(original.count(Category::matched), 18000U);

    // All settlement rows, reshuffled and dealt into 5 files.
    std::vector<std::string> rows;
    for (const auto& entry : std::filesystem::directory_iterator(options.out_dir + "/settlement")) {
        std::ifstream in(entry.path());
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line)) {
            rows.push_back(line);
        }
    }
    std::mt19937 random(99);
    std::shuffle(rows.begin(), rows.end(), random);
    std::vector<std::string> files(5, kSettlementHeader);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        files[i % files.size()] += rows[i] + "\n";
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        (void)dir.file("shuffled/part" + std::to_string(i) + ".csv", files[i]);
    }
    const RunResult shuffled = runMatch(ledger, {dir.path() + "/shuffled"});
    ASSERT_TRUE(shuffled.status.ok());
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        const auto category = static_cast<Category>(c);
        EXPECT_EQ(shuffled.count(category), original.count(category)) << categoryName(category);
    }
    // Every category of the realistic mix shows up.
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        EXPECT_GT(original.count(static_cast<Category>(c)), 0U)
            << categoryName(static_cast<Category>(c));
    }
}

TEST(MatchEngineTest, MalformedLinesAreReportedWithFileAndLine) {
    TempDir dir;
    const std::string ledger =
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid") + "c_2,too,few\n" +
                              ledgerLine("c_3", "paid"));
    const std::string settlement =
        dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1") +
                              "BANK004,atm-0001,T1,c_3,six thousand,2023-04-10T10:00:00+08:00\n" +
                              settlementLine("c_3"));
    std::vector<std::string> warnings;
    MatchOptions options;
    options.warn = [&warnings](const std::string& text) { warnings.push_back(text); };
    const RunResult result = runMatch(ledger, {settlement}, options);
    ASSERT_TRUE(result.status.ok()) << result.status.message();
    EXPECT_EQ(result.summary.bad_line_count, 2U);
    ASSERT_EQ(result.summary.bad_lines.size(), 2U);
    EXPECT_EQ(result.summary.bad_lines[0].file, ledger);
    EXPECT_EQ(result.summary.bad_lines[0].line, 3U);
    EXPECT_NE(result.summary.bad_lines[0].reason.find("11 fields"), std::string::npos);
    EXPECT_EQ(result.summary.bad_lines[1].line, 3U);
    EXPECT_NE(result.summary.bad_lines[1].reason.find("amount"), std::string::npos);
    ASSERT_EQ(warnings.size(), 2U);
    EXPECT_NE(warnings[0].find(ledger + ":3: "), std::string::npos);
    EXPECT_NE(warnings[1].find(settlement + ":3: "), std::string::npos);
    EXPECT_EQ(result.exceptions.count(Category::malformed), 2U);
    // The good lines around the bad ones are still classified.
    EXPECT_EQ(result.count(Category::matched), 2U);
    EXPECT_EQ(result.summary.ledger_records, 2U);
}

TEST(MatchEngineTest, StopsOnceMoreBadLinesThanTheLimit) {
    TempDir dir;
    std::string settlement = kSettlementHeader;
    for (int i = 0; i < 5; ++i) {
        settlement += "garbage line " + std::to_string(i) + "\n";
    }
    MatchOptions options;
    options.max_bad_lines = 2;
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid")),
                 {dir.file("s.csv", settlement)}, options);
    ASSERT_FALSE(result.status.ok());
    EXPECT_NE(result.status.message().find("too many malformed lines"), std::string::npos);
    EXPECT_NE(result.status.message().find("--max-bad-lines 2"), std::string::npos);
    EXPECT_NE(result.status.message().find("s.csv:4"), std::string::npos);
    EXPECT_EQ(result.summary.bad_line_count, 3U);
}

TEST(MatchEngineTest, ZeroBadLinesAllowedStopsAtTheFirst) {
    TempDir dir;
    MatchOptions options;
    options.max_bad_lines = 0;
    const RunResult result = runMatch(dir.file("l.csv", std::string(kLedgerHeader) + "x\n"),
                                      {dir.file("s.csv", kSettlementHeader)}, options);
    ASSERT_FALSE(result.status.ok());
    EXPECT_NE(result.status.message().find("l.csv:2"), std::string::npos);
}

TEST(MatchEngineTest, EmptyFilesAreNoRows) {
    TempDir dir;
    const std::string ledger =
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid"));
    std::vector<std::string> warnings;
    MatchOptions options;
    options.warn = [&warnings](const std::string& text) { warnings.push_back(text); };
    const RunResult result = runMatch(
        ledger, {dir.file("empty.csv", ""), dir.file("header_only.csv", kSettlementHeader)},
        options);
    ASSERT_TRUE(result.status.ok()) << result.status.message();
    EXPECT_EQ(result.summary.settlement_records, 0U);
    EXPECT_EQ(result.count(Category::missing_in_settlement), 1U);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_NE(warnings[0].find("empty settlement file"), std::string::npos);

    const RunResult empty_ledger =
        runMatch(dir.file("empty_ledger.csv", ""),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1"))});
    ASSERT_TRUE(empty_ledger.status.ok());
    EXPECT_EQ(empty_ledger.summary.ledger_records, 0U);
    EXPECT_EQ(empty_ledger.count(Category::missing_in_ledger), 1U);
}

TEST(MatchEngineTest, MissingOrWrongHeaderStopsWithLineOne) {
    TempDir dir;
    const std::string ledger =
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid"));
    const RunResult missing =
        runMatch(ledger, {dir.file("s.csv", settlementLine("c_1") + settlementLine("c_2"))});
    ASSERT_FALSE(missing.status.ok());
    EXPECT_NE(missing.status.message().find("s.csv:1: header missing or wrong"), std::string::npos);
    EXPECT_NE(missing.status.message().find("operator,terminal_id,terminal_ref"),
              std::string::npos);

    const RunResult swapped =
        runMatch(dir.file("l2.csv", "claim_id,program\n" + ledgerLine("c_1", "paid")),
                 {dir.file("s2.csv", kSettlementHeader)});
    ASSERT_FALSE(swapped.status.ok());
    EXPECT_NE(swapped.status.message().find("l2.csv:1"), std::string::npos);
}

TEST(MatchEngineTest, WrongHeaderErrorDoesNotEchoTheLine) {
    TempDir dir;
    // A roster given by mistake: its first line must not reach stderr (plaintext IDs).
    const RunResult result = runMatch(dir.file("roster.csv", "A123456789,,,,\n"),
                                      {dir.file("s.csv", kSettlementHeader)});
    ASSERT_FALSE(result.status.ok());
    EXPECT_EQ(result.status.message().find("A123456789"), std::string::npos);
}

TEST(MatchEngineTest, PlaintextCitizenIdInLedgerIsMalformedAndNotEchoed) {
    TempDir dir;
    const std::string line =
        "c_1,CASH2023,A123456789,atm,BANK004,atm-0001,T1,6000,paid,2023-04-10T10:00:00+08:00,\n";
    std::vector<std::string> warnings;
    MatchOptions options;
    options.warn = [&warnings](const std::string& text) { warnings.push_back(text); };
    const RunResult result = runMatch(dir.file("l.csv", std::string(kLedgerHeader) + line),
                                      {dir.file("s.csv", kSettlementHeader)}, options);
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.summary.bad_line_count, 1U);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_NE(warnings[0].find("citizen_key"), std::string::npos);
    EXPECT_EQ(warnings[0].find("A123456789"), std::string::npos);
    for (const auto& row : result.exceptions.rows) {
        for (const auto& field : row) {
            EXPECT_EQ(field.find("A123456789"), std::string::npos);
        }
    }
}

TEST(MatchEngineTest, DuplicateClaimInLedgerIsMalformed) {
    TempDir dir;
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid") +
                                       ledgerLine("c_1", "voided") + ledgerLine("c_2", "voided")),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1"))});
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.summary.bad_line_count, 1U);
    EXPECT_NE(result.summary.bad_lines[0].reason.find("more than once"), std::string::npos);
    EXPECT_EQ(result.count(Category::matched), 1U);
    EXPECT_EQ(result.count(Category::voided), 1U);
}

TEST(MatchEngineTest, CrlfLineEndingsAndBomAreAccepted) {
    TempDir dir;
    auto crlf = [](std::string text) {
        std::string out;
        for (const char c : text) {
            if (c == '\n') {
                out += '\r';
            }
            out += c;
        }
        return out;
    };
    const RunResult result = runMatch(
        dir.file("l.csv", crlf(std::string(kLedgerHeader) + ledgerLine("c_1", "paid") +
                               ledgerLine("c_2", "in_doubt"))),
        {dir.file("s.csv", "\xEF\xBB\xBF" + crlf(std::string(kSettlementHeader) +
                                                 settlementLine("c_1") + settlementLine("c_2")))});
    ASSERT_TRUE(result.status.ok()) << result.status.message();
    EXPECT_EQ(result.count(Category::matched), 1U);
    EXPECT_EQ(result.count(Category::in_doubt_paid), 1U);
    EXPECT_EQ(result.summary.bad_line_count, 0U);
    ASSERT_EQ(result.exceptions.rows.size(), 1U);
    EXPECT_EQ(result.exceptions.rows[0][20 - 1], "2023-04-10T10:00:20+08:00");  // no CR left
}

TEST(MatchEngineTest, LastLineWithoutNewlineAndBlankLinesAreFine) {
    TempDir dir;
    std::string settlement = std::string(kSettlementHeader) + "\n" + settlementLine("c_1");
    settlement.pop_back();
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid") + "\n\n"),
                 {dir.file("s.csv", settlement)});
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.count(Category::matched), 1U);
    EXPECT_EQ(result.summary.bad_line_count, 0U);
}

TEST(MatchEngineTest, QuotedFieldsAreUnquoted) {
    TempDir dir;
    const RunResult result = runMatch(
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("\"c,1\"", "paid") +
                              ledgerLine("c_2", "paid")),
        {dir.file("s.csv", std::string(kSettlementHeader) +
                               "\"BANK004\",\"atm-0001\",\"T \"\"1\"\"\",\"c,1\",\"6000\",\"x\"\n" +
                               "BANK004,atm-0001,T1,\"c_2\",6000,\n" +
                               "BANK004,atm-0001,T1,\"c_3,6000,\n")});
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.count(Category::matched), 2U);
    EXPECT_EQ(result.summary.bad_line_count, 1U);
    EXPECT_NE(result.summary.bad_lines[0].reason.find("unterminated"), std::string::npos);
}

TEST(MatchEngineTest, OverlongLineIsMalformedAndTheNextLineIsRead) {
    TempDir dir;
    const std::string huge = "BANK004,atm-0001," + std::string(20000, 'x') + ",c_1,6000,\n";
    const RunResult result = runMatch(
        dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine("c_1", "paid")),
        {dir.file("s.csv", std::string(kSettlementHeader) + huge + settlementLine("c_1"))});
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.summary.bad_line_count, 1U);
    EXPECT_EQ(result.summary.bad_lines[0].line, 2U);
    EXPECT_EQ(result.count(Category::matched), 1U);
}

TEST(MatchEngineTest, ClaimIdsAreOpaqueUpTo64Bytes) {
    TempDir dir;
    const std::string long_id(64, 'Z');
    const std::string too_long(65, 'Z');
    const RunResult result =
        runMatch(dir.file("l.csv", std::string(kLedgerHeader) + ledgerLine(long_id, "paid") +
                                       ledgerLine("日本-ü", "paid") + ledgerLine(too_long, "paid")),
                 {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine(long_id) +
                                        settlementLine("日本-ü"))});
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.count(Category::matched), 2U);
    EXPECT_EQ(result.summary.bad_line_count, 1U);
}

TEST(MatchEngineTest, InDoubtResolutionsCarryEvidenceAndRespectTheClosedPeriod) {
    TempDir dir;
    std::string ledger = kLedgerHeader;
    ledger += ledgerLine("c_paid", "in_doubt");
    ledger += ledgerLine("c_old", "in_doubt", 6000, "atm", "BANK004", "2023-04-10T10:00:00+08:00");
    ledger += ledgerLine("c_new", "in_doubt", 6000, "atm", "BANK004", "2023-04-20T10:00:00+08:00");
    ledger += ledgerLine("c_held", "held", 6000, "atm", "BANK004", "2023-04-10T10:00:00+08:00");
    const std::string settlement = dir.file(
        "s.csv", std::string(kSettlementHeader) + settlementLine("c_paid", 6000, "BANK004"));
    MatchOptions options;
    options.closed_before_millis = protocols::parseRfc3339Millis("2023-04-15T00:00:00+08:00");
    const RunResult result = runMatch(dir.file("l.csv", ledger), {settlement}, options);
    ASSERT_TRUE(result.status.ok());
    EXPECT_TRUE(result.resolutions.finished);
    ASSERT_EQ(result.resolutions.resolutions.size(), 2U);
    const Resolution& paid = result.resolutions.resolutions[0];
    EXPECT_EQ(paid.claim_id, "c_paid");
    EXPECT_EQ(paid.outcome, ResolutionOutcome::paid);
    EXPECT_EQ(paid.settlement_file, settlement);
    EXPECT_EQ(paid.settlement_line, 2U);
    EXPECT_EQ(paid.terminal_ref, "T1");
    EXPECT_EQ(paid.amount, 6000);
    const Resolution& voided = result.resolutions.resolutions[1];
    EXPECT_EQ(voided.claim_id, "c_old");
    EXPECT_EQ(voided.outcome, ResolutionOutcome::voided);
    EXPECT_EQ(result.summary.resolutions_paid, 1U);
    EXPECT_EQ(result.summary.resolutions_voided, 1U);
    EXPECT_EQ(result.count(Category::in_doubt_unpaid), 3U);

    // Without --closed-before nothing is voided.
    const RunResult open = runMatch(dir.file("l.csv", ledger), {settlement});
    ASSERT_EQ(open.resolutions.resolutions.size(), 1U);
    EXPECT_EQ(open.resolutions.resolutions[0].outcome, ResolutionOutcome::paid);
}

TEST(MatchEngineTest, ResolutionsComeInBoundedBatches) {
    TempDir dir;
    std::string ledger = kLedgerHeader;
    std::string settlement = kSettlementHeader;
    const std::size_t claims = kResolutionBatchMax * 2 + 5;
    for (std::size_t i = 0; i < claims; ++i) {
        ledger += ledgerLine("c_" + std::to_string(i), "in_doubt");
        settlement += settlementLine("c_" + std::to_string(i));
    }
    const RunResult result = runMatch(dir.file("l.csv", ledger), {dir.file("s.csv", settlement)});
    ASSERT_TRUE(result.status.ok());
    EXPECT_EQ(result.resolutions.resolutions.size(), claims);
    EXPECT_EQ(result.resolutions.batches, 3);
}

TEST(MatchEngineTest, UnreadableLedgerIsAnError) {
    TempDir dir;
    const RunResult result =
        runMatch(dir.path() + "/missing.csv", {dir.file("s.csv", kSettlementHeader)});
    ASSERT_FALSE(result.status.ok());
    EXPECT_NE(result.status.message().find("missing.csv"), std::string::npos);
}

// Business dates (contracts §11): a paid claim belongs to the day its cash left the terminal. The
// advice of c_late reached the gateway just after midnight, but the terminal dispensed before it:
// its day is 2023-04-10, whose settlement file has not arrived. A dispense time that cannot be
// true (c_bogus: a day after its commit) is ignored for the date, which then is paid_at's.
TEST(MatchEngineTest, TheDispenseTimeDecidesTheBusinessDate) {
    TempDir dir;
    const std::string header = std::string(kLedgerCsvHeader) + "\n";
    const auto line = [](const std::string& id, int n, const std::string& held,
                         const std::string& paid, const std::string& dispensed) {
        return id + ",CASH2023," + citizenKey(n) + ",atm,BANK004,atm-0001,T-" + id + ",6000,paid," +
               held + "," + paid + "," + dispensed + "\n";
    };
    const std::string ledger =
        header +
        line("c_late", 1, "2023-04-10T23:59:30+08:00", "2023-04-11T00:00:05+08:00",
             "2023-04-10T23:59:58+08:00") +
        line("c_plain", 2, "2023-04-11T00:10:00+08:00", "2023-04-11T00:10:20+08:00", "") +
        line("c_bogus", 3, "2023-04-11T00:20:00+08:00", "2023-04-11T00:20:20+08:00",
             "2023-04-12T09:00:00+08:00") +
        line("c_other", 4, "2023-04-11T09:00:00+08:00", "2023-04-11T09:00:20+08:00",
             "2023-04-11T09:00:18+08:00");
    MatchOptions options;
    options.missing_settlement_files.insert("BANK004_2023-04-10.csv");
    const RunResult result =
        runMatch(dir.file("ledger.csv", ledger),
                 {dir.file("BANK004_2023-04-11.csv",
                           std::string(kSettlementHeader) + settlementLine("c_other"))},
                 options);
    ASSERT_TRUE(result.status.ok()) << result.status.message();
    EXPECT_EQ(result.count(Category::matched), 1U);
    EXPECT_EQ(result.count(Category::missing_in_settlement), 3U);
    std::map<std::string, std::string> reasons;
    for (const auto& row : result.exceptions.rows) reasons[row[0]] = row[2];
    ASSERT_EQ(reasons.size(), 3U);
    EXPECT_NE(reasons["c_late"].find("business date 2023-04-10 (the terminal's dispense time)"),
              std::string::npos)
        << reasons["c_late"];
    EXPECT_NE(reasons["c_late"].find("BANK004_2023-04-10.csv has not arrived"), std::string::npos)
        << reasons["c_late"];
    EXPECT_NE(reasons["c_plain"].find("business date 2023-04-11 (the gateway's paid_at)"),
              std::string::npos)
        << reasons["c_plain"];
    EXPECT_EQ(reasons["c_plain"].find("has not arrived"), std::string::npos);
    EXPECT_NE(reasons["c_bogus"].find("business date 2023-04-11 (the gateway's paid_at)"),
              std::string::npos)
        << reasons["c_bogus"];
    EXPECT_EQ(result.summary.business_dates.first, "2023-04-10");
    EXPECT_EQ(result.summary.business_dates.last, "2023-04-11");
}

TEST(MatchEngineTest, ALineOfTheCurrentExportNeedsItsDispenseColumn) {
    TempDir dir;
    const RunResult result = runMatch(
        dir.file("ledger.csv", std::string(kLedgerCsvHeader) + "\n" + ledgerLine("c_1", "paid")),
        {dir.file("s.csv", std::string(kSettlementHeader) + settlementLine("c_1"))});
    ASSERT_TRUE(result.status.ok()) << result.status.message();
    EXPECT_EQ(result.summary.bad_line_count, 1U);
    ASSERT_EQ(result.summary.bad_lines.size(), 1U);
    EXPECT_NE(result.summary.bad_lines[0].reason.find("expected 12 fields"), std::string::npos)
        << result.summary.bad_lines[0].reason;
}

}  // namespace
}  // namespace claimgate::recon::test
