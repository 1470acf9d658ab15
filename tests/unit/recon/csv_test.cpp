#include "recon_test_support.hpp"

#include <claimgate/recon/csv_field_splitter.hpp>
#include <claimgate/recon/csv_file_reader.hpp>

namespace claimgate::recon::test {
namespace {

TEST(CsvFieldSplitterTest, SplitsPlainLinesInPlace) {
    CsvFieldSplitter splitter;
    const std::string line = "a,,b,c";
    ASSERT_EQ(splitter.split(line), 4U);
    EXPECT_EQ(splitter.field(0), "a");
    EXPECT_EQ(splitter.field(1), "");
    EXPECT_EQ(splitter.field(3), "c");
    EXPECT_EQ(splitter.field(0).data(), line.data());  // a view, no copy
    ASSERT_EQ(splitter.split(""), 1U);
    ASSERT_EQ(splitter.split("x,"), 2U);
    EXPECT_EQ(splitter.field(1), "");
}

TEST(CsvFieldSplitterTest, UnquotesRfc4180Fields) {
    CsvFieldSplitter splitter;
    ASSERT_EQ(splitter.split(R"("a,b","say ""hi""",,"")"), 4U);
    EXPECT_EQ(splitter.field(0), "a,b");
    EXPECT_EQ(splitter.field(1), "say \"hi\"");
    EXPECT_EQ(splitter.field(2), "");
    EXPECT_EQ(splitter.field(3), "");
}

TEST(CsvFieldSplitterTest, RejectsBrokenQuotingAndTooManyFields) {
    CsvFieldSplitter splitter;
    EXPECT_EQ(splitter.split(R"("open,b)"), 0U);
    EXPECT_EQ(splitter.error(), "unterminated quoted field");
    EXPECT_EQ(splitter.split(R"("a"x,b)"), 0U);
    EXPECT_EQ(splitter.split(R"(a"b,c)"), 0U);
    EXPECT_EQ(splitter.split(std::string(kCsvFieldsMax, ',')), 0U);
    EXPECT_EQ(splitter.error(), "too many fields");
}

TEST(CsvFieldSplitterTest, ParsesAmountsStrictly) {
    std::int64_t amount = -1;
    EXPECT_TRUE(parseAmount("6000", amount));
    EXPECT_EQ(amount, 6000);
    EXPECT_TRUE(parseAmount("0", amount));
    EXPECT_TRUE(parseAmount("1000000000", amount));
    EXPECT_FALSE(parseAmount("1000000001", amount));
    EXPECT_FALSE(parseAmount("-5", amount));
    EXPECT_FALSE(parseAmount("6000.5", amount));
    EXPECT_FALSE(parseAmount(" 6000", amount));
    EXPECT_FALSE(parseAmount("", amount));
    EXPECT_FALSE(parseAmount("99999999999999999999", amount));
}

TEST(CsvFieldSplitterTest, EscapesOutputForSpreadsheets) {
    std::string out;
    appendCsvField(out, "plain");
    out += '|';
    appendCsvField(out, "a,\"b\"");
    out += '|';
    appendCsvField(out, "=HYPERLINK(1)");
    EXPECT_EQ(out, "plain|\"a,\"\"b\"\"\"|\"'=HYPERLINK(1)\"");
}

TEST(CsvFileReaderTest, ReadsLinesAcrossChunkBoundariesWithNumbersAndOffsets) {
    TempDir dir;
    std::string content;
    std::vector<std::string> expected;
    // Enough lines to cross the read chunk several times; varying lengths.
    for (int i = 0; content.size() < 3 * kReadChunkBytes; ++i) {
        expected.push_back("line-" + std::to_string(i) +
                           std::string(static_cast<std::size_t>(i % 97), 'x'));
        content += expected.back() + (i % 3 == 0 ? "\r\n" : "\n");
    }
    const std::string path = dir.file("big.csv", content);
    auto reader = CsvFileReader::open(path);
    ASSERT_TRUE(reader.ok());
    CsvLine line;
    std::size_t count = 0;
    while (reader.value()->next(line)) {
        ASSERT_LT(count, expected.size());
        ASSERT_EQ(line.text, expected[count]);
        ASSERT_EQ(line.number, count + 1);
        if (count % 50000 == 0) {
            EXPECT_EQ(readLineAt(path, line.offset), expected[count]);
        }
        ++count;
    }
    EXPECT_TRUE(reader.value()->status().ok());
    EXPECT_EQ(count, expected.size());
    EXPECT_EQ(reader.value()->bytesDone(), content.size());
}

TEST(CsvFileReaderTest, RefusesDirectoriesAndMissingFiles) {
    TempDir dir;
    EXPECT_FALSE(CsvFileReader::open(dir.path()).ok());
    EXPECT_FALSE(CsvFileReader::open(dir.path() + "/none").ok());
}

}  // namespace
}  // namespace claimgate::recon::test
