#include <claimgate/protocols/citizen_keys.hpp>

#include <gtest/gtest.h>

namespace claimgate::protocols {
namespace {

TEST(CitizenKeysTest, CitizenKeyIsHmacSha256OfTheNormalisedId) {
    // RFC 4231 test case 2: pins the rule every ledger on disk depends on.
    const CitizenKeys keys("Jefe");
    EXPECT_EQ(toHex(keys.citizenKey("what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CitizenKeysTest, NhiHashAndRequestHashLiveInTheirOwnKeySpaces) {
    const CitizenKeys keys("pepper-1");
    EXPECT_EQ(keys.nhiHash("000012345678"), hmacSha256("pepper-1", "nhi:000012345678"));
    EXPECT_NE(keys.nhiHash("000012345678"), keys.citizenKey("000012345678"));
    EXPECT_EQ(keys.nhiTag("000012345678"), CitizenKeys::nhiTagOf(keys.nhiHash("000012345678")));
    EXPECT_EQ(keys.requestHash("POST void", "{}"), hmacSha256("pepper-1", "POST void\n{}"));
}

TEST(CitizenKeysTest, KeysDependOnThePepper) {
    EXPECT_NE(CitizenKeys("pepper-1").citizenKey("A123456789"),
              CitizenKeys("pepper-2").citizenKey("A123456789"));
    EXPECT_EQ(CitizenKeys("pepper-1").citizenKey("A123456789"),
              CitizenKeys("pepper-1").citizenKey("A123456789"));
}

}  // namespace
}  // namespace claimgate::protocols
