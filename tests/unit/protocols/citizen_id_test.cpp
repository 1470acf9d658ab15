#include <claimgate/protocols/citizen_id.hpp>

#include <gtest/gtest.h>

namespace claimgate::protocols {
namespace {

struct IdCase {
    const char* text;
    bool valid;
    const char* normalised;
};

TEST(CitizenIdTest, ValidatesNationalAndResidentNumbersByTable) {
    const IdCase cases[] = {
        {"A123456789", true, "A123456789"},  // the textbook national ID
        {"a123456789", true, "A123456789"},  // lower case is normalised
        {"F131104093", true, "F131104093"},
        {"A123456788", false, ""},           // checksum off by one
        {"A323456789", false, ""},           // gender digit 3 does not exist
        {"1123456789", false, ""},           // must start with a letter
        {"A12345678", false, ""},            // too short
        {"A1234567890", false, ""},          // too long
        {"A12345678X", false, ""},           // non-digit tail
        {"A800000014", true, "A800000014"},  // new resident certificate format
        {"A900000016", true, "A900000016"},
        {"A800000015", false, ""},
        {"AC01234567", true, "AC01234567"},  // old resident certificate format
        {"ac01234567", true, "AC01234567"},
        {"AC01234568", false, ""},
        {"AE01234567", false, ""},  // second letter outside A-D
        {"", false, ""},
    };
    for (const auto& test_case : cases) {
        SCOPED_TRACE(test_case.text);
        const auto parsed = CitizenId::parse(test_case.text);
        EXPECT_EQ(parsed.ok(), test_case.valid);
        if (parsed.ok()) {
            EXPECT_EQ(parsed->normalised(), test_case.normalised);
        } else {
            EXPECT_EQ(parsed.status().code(), ErrorCode::invalid_citizen_id);
            // The message must never echo the (possibly real) input.
            if (std::string(test_case.text).size() >= 6) {
                EXPECT_EQ(parsed.status().message().find(test_case.text), std::string::npos);
            }
        }
    }
}

TEST(CitizenIdTest, KindIsReported) {
    EXPECT_EQ(CitizenId::parse("A123456789")->kind(), CitizenIdKind::national);
    EXPECT_EQ(CitizenId::parse("A800000014")->kind(), CitizenIdKind::resident_new);
    EXPECT_EQ(CitizenId::parse("AC01234567")->kind(), CitizenIdKind::resident_old);
}

TEST(CitizenIdTest, MaskKeepsThreeLeadingAndTwoTrailingCharacters) {
    EXPECT_EQ(CitizenId::parse("A123456789")->masked(), "A12*****89");
    EXPECT_EQ(CitizenId::maskCitizenId("abc"), "***");
}

TEST(CitizenIdTest, NhiCardNumberIsTwelveDigits) {
    EXPECT_TRUE(validateNhiCardNumber("000012345678").ok());
    EXPECT_EQ(validateNhiCardNumber("00001234567").code(), ErrorCode::bad_field);
    EXPECT_EQ(validateNhiCardNumber("00001234567a").code(), ErrorCode::bad_field);
}

TEST(CitizenIdTest, IdempotencyKeyAlphabetAndLength) {
    EXPECT_TRUE(isValidIdempotencyKey("atm-0001:2023-04-10.0001_x"));
    EXPECT_FALSE(isValidIdempotencyKey(""));
    EXPECT_FALSE(isValidIdempotencyKey(std::string(65, 'a')));
    EXPECT_TRUE(isValidIdempotencyKey(std::string(64, 'a')));
    EXPECT_FALSE(isValidIdempotencyKey("has space"));
    EXPECT_FALSE(isValidIdempotencyKey("slash/no"));
}

}  // namespace
}  // namespace claimgate::protocols
