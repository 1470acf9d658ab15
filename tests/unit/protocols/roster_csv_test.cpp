#include <claimgate/protocols/roster_csv.hpp>
#include <claimgate/protocols/roster_csv_reader.hpp>

#include "temp_dir.hpp"
#include "test_citizens.hpp"

#include <gtest/gtest.h>

namespace claimgate::protocols {
namespace {

using claimgate::testing::nationalId;
using claimgate::testing::nhiCardNumber;

struct RowCase {
    std::string line;
    RosterCsvColumns columns;
    ErrorCode code;             // ok = the row is valid
    const char* message_start;  // of the error: the column it names
};

TEST(RosterCsvTest, ValidatesRowsByTable) {
    const std::string id = nationalId(1001);
    const std::string proxy = nationalId(1002, 'B', '2');
    const std::string bad_id = claimgate::testing::badChecksumId(1003);
    const std::string nhi = nhiCardNumber(1001);
    using C = RosterCsvColumns;
    const RowCase cases[] = {
        {id + ",,,,", C::basic, ErrorCode::ok, ""},
        {id + "," + nhi + ",3000," + proxy + ",either", C::basic, ErrorCode::ok, ""},
        {id + ",,,,\r", C::basic, ErrorCode::ok, ""},
        {id + ",,,,,", C::with_status, ErrorCode::ok, ""},
        {id + ",,,,,excluded", C::with_status, ErrorCode::ok, ""},
        {id + ",,,,,eligible,", C::with_status_reason, ErrorCode::ok, ""},
        {id + ",,,,,excluded,deceased", C::with_status_reason, ErrorCode::ok, ""},
        {bad_id + ",,,,", C::basic, ErrorCode::invalid_citizen_id, "citizen_id: "},
        {id + ",12345,,,", C::basic, ErrorCode::bad_field, "nhi_card_no: "},
        {id + ",,0,,", C::basic, ErrorCode::bad_field, "amount: "},
        {id + ",,-5,,", C::basic, ErrorCode::bad_field, "amount: "},
        {id + ",,12x,,", C::basic, ErrorCode::bad_field, "amount: "},
        {id + ",,1000000001,,", C::basic, ErrorCode::bad_field, "amount: "},
        {id + ",,,,," + bad_id, C::basic, ErrorCode::bad_field, "line: expected 5 fields"},
        {id + ",,," + proxy + ";", C::basic, ErrorCode::bad_field, "line: expected 5"},
        {id + ",,," + proxy + ";,", C::basic, ErrorCode::invalid_citizen_id, "proxies: "},
        {id + ",,," + bad_id + ",", C::basic, ErrorCode::invalid_citizen_id, "proxies: "},
        {id + ",,,,nobody", C::basic, ErrorCode::bad_field, "claim_by: "},
        {id + ",,,", C::basic, ErrorCode::bad_field, "line: expected 5 fields, found 4"},
        {id + ",,,,", C::with_status, ErrorCode::bad_field, "line: expected 6"},
        {id + ",,,,,gone", C::with_status, ErrorCode::bad_field, "status: "},
        {id + ",,,,,,deceased", C::with_status_reason, ErrorCode::bad_field, "reason: is only"},
        {id + ",,,,,excluded,Deceased", C::with_status_reason, ErrorCode::bad_field, "reason: "},
        {id + ",,,,,excluded," + std::string(65, 'a'), C::with_status_reason, ErrorCode::bad_field,
         "reason: "},
        {"\"" + id + "\",,,,", C::basic, ErrorCode::bad_field, "line: quoted"},
    };
    RosterCsvRow row;
    for (const auto& test_case : cases) {
        SCOPED_TRACE(test_case.line);
        const Status status = RosterCsv::parseRow(test_case.line, test_case.columns, row);
        EXPECT_EQ(status.code(), test_case.code) << status.message();
        if (!status.ok()) {
            EXPECT_EQ(status.message().rfind(test_case.message_start, 0), 0U) << status.message();
            // Errors never echo a value: it may be a real person's ID.
            EXPECT_EQ(status.message().find(id), std::string::npos);
            EXPECT_EQ(status.message().find(bad_id), std::string::npos);
        }
    }
}

TEST(RosterCsvTest, AppliesTheDocumentedDefaults) {
    RosterCsvRow row;
    const std::string id = nationalId(2001);
    const std::string proxy = nationalId(2002);
    ASSERT_TRUE(RosterCsv::parseRow(id + ",,,,", RosterCsvColumns::basic, row).ok());
    EXPECT_EQ(row.amount, 0);
    EXPECT_EQ(row.effectiveClaimBy(), ClaimBy::self);
    EXPECT_EQ(row.status, RosterStatus::eligible);
    EXPECT_FALSE(row.exclusion());
    ASSERT_TRUE(RosterCsv::parseRow(id + ",,," + proxy + ",", RosterCsvColumns::basic, row).ok());
    EXPECT_EQ(row.effectiveClaimBy(), ClaimBy::either);
    ASSERT_TRUE(RosterCsv::parseRow(id + ",,,,,excluded", RosterCsvColumns::with_status, row).ok());
    EXPECT_EQ(row.exclusion(), std::string(kRosterExcludedDefaultReason));
    // Lower-case IDs are normalised, as everywhere else.
    std::string lower = id;
    lower[0] = static_cast<char>(lower[0] - 'A' + 'a');
    ASSERT_TRUE(RosterCsv::parseRow(lower + ",,,,", RosterCsvColumns::basic, row).ok());
    EXPECT_EQ(row.citizen_id, id);
}

TEST(RosterCsvTest, WrittenRowsReadBackUnchanged) {
    RosterCsvRow plain;
    plain.citizen_id = nationalId(3001);
    RosterCsvRow full;
    full.citizen_id = nationalId(3002, 'C', '2');
    full.nhi_card_no = nhiCardNumber(3002);
    full.amount = 12000;
    full.proxies = {nationalId(3003), nationalId(3004)};
    full.claim_by = ClaimBy::proxy;
    RosterCsvRow excluded = plain;
    excluded.status = RosterStatus::excluded;
    excluded.excluded_reason = "paid_by_other_programme";
    RosterCsvRow default_excluded = plain;
    default_excluded.status = RosterStatus::excluded;
    default_excluded.excluded_reason = std::string(kRosterExcludedDefaultReason);
    EXPECT_EQ(RosterCsv::columnsFor(full), RosterCsvColumns::basic);
    EXPECT_EQ(RosterCsv::columnsFor(default_excluded), RosterCsvColumns::with_status);
    EXPECT_EQ(RosterCsv::columnsFor(excluded), RosterCsvColumns::with_status_reason);
    for (const auto columns : {RosterCsvColumns::basic, RosterCsvColumns::with_status,
                               RosterCsvColumns::with_status_reason}) {
        for (const auto& row : {plain, full, excluded, default_excluded}) {
            if (columns < RosterCsv::columnsFor(row)) continue;
            std::string line;
            RosterCsv::appendRow(line, row, columns);
            ASSERT_EQ(line.back(), '\n');
            line.pop_back();
            RosterCsvRow back;
            ASSERT_TRUE(RosterCsv::parseRow(line, columns, back).ok()) << line;
            EXPECT_EQ(back, row) << line;
        }
    }
    std::string line;
    RosterCsv::appendRow(line, full, RosterCsvColumns::basic);
    EXPECT_EQ(line, full.citizen_id + "," + full.nhi_card_no + ",12000," + full.proxies[0] + ";" +
                        full.proxies[1] + ",proxy\n");
}

TEST(RosterCsvTest, RecognisesTheThreeHeaders) {
    EXPECT_EQ(*RosterCsv::parseHeader("citizen_id,nhi_card_no,amount,proxies,claim_by"),
              RosterCsvColumns::basic);
    EXPECT_EQ(*RosterCsv::parseHeader("\xEF\xBB\xBF"
                                      "citizen_id,nhi_card_no,amount,proxies,"
                                      "claim_by,status\r"),
              RosterCsvColumns::with_status);
    EXPECT_EQ(*RosterCsv::parseHeader("citizen_id,nhi_card_no,amount,proxies,claim_by,status,"
                                      "reason"),
              RosterCsvColumns::with_status_reason);
    EXPECT_EQ(RosterCsv::parseHeader("citizen_id,nhi_card_no,amount").status().code(),
              ErrorCode::bad_field);
    EXPECT_EQ(RosterCsv::parseHeader("citizen_id,nhi_card_no,amount,proxies,claim_by,reason")
                  .status()
                  .code(),
              ErrorCode::bad_field);
}

TEST(RosterCsvReaderTest, ReadsRowsSkipsBlankLinesAndNamesTheBadLine) {
    claimgate::testing::TempDir dir;
    const std::string path = dir.file("roster.csv");
    claimgate::testing::writeFileBytes(
        path, "citizen_id,nhi_card_no,amount,proxies,claim_by,status\r\n" + nationalId(1) +
                  ",,,,,\r\n\r\n" + nationalId(2) + ",,,,,excluded\n" + nationalId(3) +
                  ",,abc,,,\n" + nationalId(4) + ",,,,,");  // no final newline
    auto reader = RosterCsvReader::open(path);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    EXPECT_EQ(reader->columns(), RosterCsvColumns::with_status);
    RosterCsvRow row;
    ASSERT_TRUE(*reader.value().next(row));
    EXPECT_EQ(row.citizen_id, nationalId(1));
    ASSERT_TRUE(*reader.value().next(row));
    EXPECT_EQ(row.status, RosterStatus::excluded);
    const auto bad = reader.value().next(row);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().message(), path + ":5: amount: must be an integer in 1..1000000000");
    ASSERT_TRUE(*reader.value().next(row));
    EXPECT_EQ(row.citizen_id, nationalId(4));
    EXPECT_FALSE(*reader.value().next(row));
    EXPECT_EQ(reader->bytesRead(), reader->bytesTotal());
}

TEST(RosterCsvReaderTest, RefusesBadHeadersEmptyFilesAndOverlongLines) {
    claimgate::testing::TempDir dir;
    claimgate::testing::writeFileBytes(dir.file("empty.csv"), "");
    EXPECT_EQ(RosterCsvReader::open(dir.file("empty.csv")).status().code(), ErrorCode::bad_field);
    EXPECT_EQ(RosterCsvReader::open(dir.file("missing.csv")).status().code(), ErrorCode::bad_field);
    claimgate::testing::writeFileBytes(dir.file("header.csv"), "id,amount\n");
    EXPECT_EQ(RosterCsvReader::open(dir.file("header.csv"))
                  .status()
                  .message()
                  .rfind(dir.file("header.csv") + ":1: header must be ", 0),
              0U);
    claimgate::testing::writeFileBytes(
        dir.file("long.csv"), std::string(RosterCsv::header(RosterCsvColumns::basic)) + "\n" +
                                  nationalId(1) + ",,,," + std::string(2000, 'x') + "\n");
    auto reader = RosterCsvReader::open(dir.file("long.csv"));
    ASSERT_TRUE(reader.ok());
    RosterCsvRow row;
    const auto got = reader.value().next(row);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.status().message().find(":2: line: longer than 1024 bytes"), std::string::npos);
}

TEST(RosterCsvReaderTest, ReadsAChangeFileWithALeadingColumn) {
    claimgate::testing::TempDir dir;
    const std::string path = dir.file("changes.csv");
    claimgate::testing::writeFileBytes(path,
                                       "op,citizen_id,nhi_card_no,amount,proxies,claim_by\n"
                                       "remove," +
                                           nationalId(7) + ",,,,\n");
    auto reader = RosterCsvReader::open(path, "op");
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    RosterCsvRow row;
    ASSERT_TRUE(*reader.value().next(row));
    EXPECT_EQ(reader->leadingValue(), "remove");
    EXPECT_EQ(row.citizen_id, nationalId(7));
    EXPECT_FALSE(RosterCsvReader::open(path).ok());  // not a plain roster
}

}  // namespace
}  // namespace claimgate::protocols
