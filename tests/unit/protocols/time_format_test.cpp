#include <claimgate/protocols/time_format.hpp>

#include <claimgate/protocols/dispense_time.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace claimgate::protocols {
namespace {

// 2023-04-10T00:00:00+08:00 == 2023-04-09T16:00:00Z
constexpr std::int64_t kCash2023Opens = 1681056000000;

TEST(TimeFormatTest, ParsesZuluAndOffsetsToTheSameInstant) {
    EXPECT_EQ(parseRfc3339Millis("2023-04-10T00:00:00+08:00"), kCash2023Opens);
    EXPECT_EQ(parseRfc3339Millis("2023-04-09T16:00:00Z"), kCash2023Opens);
    EXPECT_EQ(parseRfc3339Millis("2023-04-09T16:00:00z"), kCash2023Opens);
    EXPECT_EQ(parseRfc3339Millis("2023-04-09T16:00:00.000Z"), kCash2023Opens);
    EXPECT_EQ(parseRfc3339Millis("2023-04-09T10:30:00-05:30"), kCash2023Opens);
    EXPECT_EQ(parseRfc3339Millis("2023-04-09T16:00:00+00:00"), kCash2023Opens);
    EXPECT_EQ(parseRfc3339Millis("2023-04-09 16:00:00Z"), kCash2023Opens);  // RFC 3339 §5.6 note
}

TEST(TimeFormatTest, ParsesFractionsToMilliseconds) {
    EXPECT_EQ(parseRfc3339Millis("1970-01-01T00:00:00.1Z"), 100);
    EXPECT_EQ(parseRfc3339Millis("1970-01-01T00:00:00.12Z"), 120);
    EXPECT_EQ(parseRfc3339Millis("1970-01-01T00:00:00.123Z"), 123);
    EXPECT_EQ(parseRfc3339Millis("1970-01-01T00:00:00.123999Z"), 123);  // truncated, not rounded
    EXPECT_EQ(parseRfc3339Millis("1970-01-01T00:00:00Z"), 0);
}

TEST(TimeFormatTest, FormatsUtcWithMilliseconds) {
    EXPECT_EQ(formatRfc3339Millis(kCash2023Opens), "2023-04-09T16:00:00.000Z");
    EXPECT_EQ(formatRfc3339Millis(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(formatRfc3339Millis(1), "1970-01-01T00:00:00.001Z");
    EXPECT_EQ(formatRfc3339Millis(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(formatRfc3339Millis(951782400000), "2000-02-29T00:00:00.000Z");  // leap day
    EXPECT_EQ(formatRfc3339Millis(1704067199999), "2023-12-31T23:59:59.999Z");
}

// The ledger export writes times in the programme's own offset (docs/reconciliation.md,
// "Business dates"): a payment at 07:30 in Taipei is on that Taipei day, not the UTC day before.
TEST(TimeFormatTest, FormatsLocalTimeAtAnOffset) {
    const std::int64_t paid = kCash2023Opens + 7 * 3'600'000 + 30 * 60'000 + 5;
    EXPECT_EQ(formatRfc3339Millis(paid), "2023-04-09T23:30:00.005Z");
    EXPECT_EQ(formatRfc3339Millis(paid, 480), "2023-04-10T07:30:00.005+08:00");
    EXPECT_EQ(formatRfc3339Millis(paid, -330), "2023-04-09T18:00:00.005-05:30");
    EXPECT_EQ(formatRfc3339Millis(paid, 0), "2023-04-09T23:30:00.005Z");
    for (const int offset : {480, -330, 0, 840, -720}) {
        SCOPED_TRACE(offset);
        EXPECT_EQ(parseRfc3339Millis(formatRfc3339Millis(paid, offset)), paid);
        EXPECT_EQ(rfc3339OffsetMinutes(formatRfc3339Millis(paid, offset)), offset);
    }
}

TEST(TimeFormatTest, ReadsTheOffsetATimeIsWrittenWith) {
    EXPECT_EQ(rfc3339OffsetMinutes("2023-04-10T00:00:00+08:00"), 480);
    EXPECT_EQ(rfc3339OffsetMinutes("2023-04-09T10:30:00-05:30"), -330);
    EXPECT_EQ(rfc3339OffsetMinutes("2023-04-09T16:00:00.000Z"), 0);
    EXPECT_EQ(rfc3339OffsetMinutes("2023-04-09T16:00:00+00:00"), 0);
    EXPECT_EQ(rfc3339OffsetMinutes("2023-04-10T00:00:00+8:00"), std::nullopt);
    EXPECT_EQ(rfc3339OffsetMinutes("2023-04-10"), std::nullopt);
    EXPECT_EQ(rfc3339OffsetMinutes(""), std::nullopt);
}

TEST(TimeFormatTest, FormatThenParseRoundTrips) {
    const std::int64_t samples[] = {0,
                                    1,
                                    -1,
                                    kCash2023Opens,
                                    kCash2023Opens + 123,
                                    951782400000,      // 2000-02-29
                                    4102444799999,     // 2099-12-31T23:59:59.999Z
                                    -2208988800000,    // 1900-01-01
                                    253402300799999};  // 9999-12-31T23:59:59.999Z
    for (const std::int64_t millis : samples) {
        SCOPED_TRACE(millis);
        const std::string text = formatRfc3339Millis(millis);
        EXPECT_EQ(parseRfc3339Millis(text), millis) << text;
    }
    // Every day boundary across several years, including leap years and century rules.
    for (std::int64_t day = -800; day < 20000; day += 37) {
        const std::int64_t millis = day * 86'400'000 + 43'210'987;
        EXPECT_EQ(parseRfc3339Millis(formatRfc3339Millis(millis)), millis);
    }
}

TEST(TimeFormatTest, RejectsMalformedTimestamps) {
    const char* bad[] = {
        "",
        "2023-04-10",           // date only
        "2023-04-10T00:00:00",  // no offset
        "2023-04-10T00:00Z",    // no seconds
        "2023/04/10T00:00:00Z",
        "2023-4-10T00:00:00Z",
        "2023-04-10X00:00:00Z",
        "2023-13-01T00:00:00Z",  // month 13
        "2023-00-01T00:00:00Z",
        "2023-04-00T00:00:00Z",
        "2023-04-32T00:00:00Z",
        "2023-04-10T24:00:00Z",
        "2023-04-10T23:60:00Z",
        "2023-04-10T00:00:00.Z",     // empty fraction
        "2023-04-10T00:00:00+0800",  // offset without colon
        "2023-04-10T00:00:00+08",
        "2023-04-10T00:00:00+08:00 ",  // trailing garbage
        "2023-04-10T00:00:00ZZ",
        " 2023-04-10T00:00:00Z",
        "abcd-04-10T00:00:00Z",
    };
    for (const char* text : bad) {
        EXPECT_EQ(parseRfc3339Millis(text), std::nullopt) << "'" << text << "'";
    }
}

TEST(TimeFormatTest, RejectsDaysThatDoNotExist) {
    EXPECT_EQ(parseRfc3339Millis("2023-02-29T00:00:00Z"), std::nullopt);  // not a leap year
    EXPECT_EQ(parseRfc3339Millis("2023-02-30T00:00:00Z"), std::nullopt);
    EXPECT_EQ(parseRfc3339Millis("2023-04-31T00:00:00+08:00"), std::nullopt);
    EXPECT_EQ(parseRfc3339Millis("1900-02-29T00:00:00Z"), std::nullopt);  // century rule
    EXPECT_NE(parseRfc3339Millis("2000-02-29T00:00:00Z"), std::nullopt);  // 400-year rule
    EXPECT_NE(parseRfc3339Millis("2024-02-29T00:00:00Z"), std::nullopt);
    EXPECT_NE(parseRfc3339Millis("2023-12-31T23:59:59+08:00"), std::nullopt);
}

TEST(TimeFormatTest, RejectsOffsetsOutOfRange) {
    EXPECT_EQ(parseRfc3339Millis("2023-04-10T00:00:00+24:00"), std::nullopt);
    EXPECT_EQ(parseRfc3339Millis("2023-04-10T00:00:00+08:60"), std::nullopt);
    EXPECT_NE(parseRfc3339Millis("2023-04-10T00:00:00+14:00"), std::nullopt);
    EXPECT_NE(parseRfc3339Millis("2023-04-10T00:00:00-12:00"), std::nullopt);
}

// The dispense-time rule (dispense_time.hpp): the skew limit is inclusive on both sides, and only
// a plausible dispense time replaces paid_at as a payment's business time.
TEST(DispenseTime, PlausibleWithinTheSkewLimitOfHoldAndCommit) {
    constexpr std::int64_t kHeld = 1'681'084'800'000;  // 2023-04-10T00:00:00Z
    constexpr std::int64_t kPaid = kHeld + 20'000;
    EXPECT_TRUE(dispenseTimePlausible(kHeld + 18'000, kHeld, kPaid));
    EXPECT_TRUE(dispenseTimePlausible(kPaid + kDispenseClockSkewMaxMillis, kHeld, kPaid));
    EXPECT_FALSE(dispenseTimePlausible(kPaid + kDispenseClockSkewMaxMillis + 1, kHeld, kPaid));
    EXPECT_TRUE(dispenseTimePlausible(kHeld - kDispenseClockSkewMaxMillis, kHeld, kPaid));
    EXPECT_FALSE(dispenseTimePlausible(kHeld - kDispenseClockSkewMaxMillis - 1, kHeld, kPaid));
    EXPECT_EQ(paidBusinessTime(kHeld, kPaid, kHeld + 18'000), kHeld + 18'000);
    EXPECT_EQ(paidBusinessTime(kHeld, kPaid, std::nullopt), kPaid);
    EXPECT_EQ(paidBusinessTime(kHeld, kPaid, kPaid + 3'600'000), kPaid);
    // A late commit (store and forward, hours later) keeps the terminal's earlier time.
    EXPECT_EQ(paidBusinessTime(kHeld, kHeld + 7'200'000, kHeld + 18'000), kHeld + 18'000);
}

TEST(TimeFormatTest, InstantsBeyondTheYearsTheFormatCanWriteAreRefused) {
    // Found by the fuzz target citizen_id: these parsed, and formatted as year 10000 or -1.
    EXPECT_FALSE(parseRfc3339Millis("9999-12-31T23:59:60Z"));
    EXPECT_FALSE(parseRfc3339Millis("9999-12-31T23:59:59-00:01"));
    EXPECT_FALSE(parseRfc3339Millis("0000-01-01T00:00:00+00:01"));
    const auto last = parseRfc3339Millis("9999-12-31T23:59:59.999Z");
    ASSERT_TRUE(last);
    EXPECT_EQ(formatRfc3339Millis(*last), "9999-12-31T23:59:59.999Z");
    const auto first = parseRfc3339Millis("0000-01-01T00:00:00Z");
    ASSERT_TRUE(first);
    EXPECT_EQ(parseRfc3339Millis(formatRfc3339Millis(*first)), first);
}

}  // namespace
}  // namespace claimgate::protocols
