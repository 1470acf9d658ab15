#include <claimgate/protocols/citizen_keys.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace claimgate::protocols {
namespace {

TEST(CitizenKeysTest, CitizenKeyIsHmacSha256OfTheNormalisedId) {
    // RFC 4231 test case 2: pins the rule every ledger on disk depends on.
    const CitizenKeys keys("Jefe");
    EXPECT_EQ(toHex(keys.citizenKey("what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CitizenKeysTest, APepperLongerThanABlockIsHashedFirst) {
    // RFC 4231 test case 6 (131-byte key).
    const CitizenKeys keys(std::string(131, '\xaa'));
    EXPECT_EQ(toHex(keys.citizenKey("Test Using Larger Than Block-Size Key - Hash Key First")),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(CitizenKeysTest, CopiesAndThreadsAgreeWithTheOneShotHmac) {
    const CitizenKeys keys("pepper-3");
    const CitizenKeys copy = keys;
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                const std::string id = "A" + std::to_string(100000000 + t * 10000 + i);
                if (copy.citizenKey(id) != hmacSha256("pepper-3", id)) ++mismatches;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches.load(), 0);
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
