#include <claimgate/protocols/digest.hpp>

#include <gtest/gtest.h>

#include <string>

namespace claimgate::protocols {
namespace {

TEST(DigestTest, Sha256MatchesFipsVectors) {
    EXPECT_EQ(toHex(sha256("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(toHex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(toHex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(DigestTest, Sha256ConcatEqualsHashOfJoinedInput) {
    EXPECT_EQ(sha256Concat("ab", "c"), sha256("abc"));
    EXPECT_EQ(sha256Concat("", ""), sha256(""));
    const std::string binary("\x00\x01\xff", 3);
    EXPECT_EQ(sha256Concat(binary, binary), sha256(binary + binary));
    // The hash chain shape: hash_n = SHA-256(hash_{n-1} || event_n).
    const Sha256Digest previous = sha256("genesis");
    EXPECT_EQ(sha256Concat(asBytes(previous), "event-1"),
              sha256(std::string(asBytes(previous)) + "event-1"));
}

TEST(DigestTest, HmacSha256MatchesRfc4231Vectors) {
    // Test case 1
    EXPECT_EQ(toHex(hmacSha256(std::string(20, '\x0b'), "Hi There")),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 2
    EXPECT_EQ(toHex(hmacSha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 6: a key longer than the block size is hashed first.
    EXPECT_EQ(toHex(hmacSha256(std::string(131, '\xaa'),
                               "Test Using Larger Than Block-Size Key - Hash Key First")),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(DigestTest, CitizenKeysDependOnPepperAndId) {
    const auto key = hmacSha256("pepper-1", "A123456789");
    EXPECT_NE(key, hmacSha256("pepper-2", "A123456789"));
    EXPECT_NE(key, hmacSha256("pepper-1", "A123456780"));
    EXPECT_EQ(key, hmacSha256("pepper-1", "A123456789"));
}

TEST(DigestTest, HexRoundTripsEveryByte) {
    std::string bytes;
    for (int value = 0; value < 256; ++value) bytes.push_back(static_cast<char>(value));
    const std::string hex =
        toHex(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    EXPECT_EQ(hex.size(), 512u);
    EXPECT_EQ(hex.substr(0, 8), "00010203");
    EXPECT_EQ(hex.substr(504), "fcfdfeff");
    EXPECT_EQ(fromHex(hex), bytes);
    EXPECT_EQ(fromHex("DEADbeef"), std::string("\xde\xad\xbe\xef"));
    EXPECT_EQ(fromHex(""), std::string());
    EXPECT_EQ(toHex(nullptr, 0), "");
}

TEST(DigestTest, FromHexRejectsOddLengthAndNonHex) {
    EXPECT_EQ(fromHex("abc"), std::nullopt);
    EXPECT_EQ(fromHex("zz"), std::nullopt);
    EXPECT_EQ(fromHex("0g"), std::nullopt);
    EXPECT_EQ(fromHex("0x00"), std::nullopt);
    EXPECT_EQ(fromHex(" 00"), std::nullopt);
}

TEST(DigestTest, Base64MatchesRfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64Encode(plain), encoded);
        EXPECT_EQ(base64Decode(encoded), std::string(plain)) << encoded;
    }
}

TEST(DigestTest, Base64RoundTripsBinaryOfEveryLength) {
    std::string bytes;
    for (int length = 0; length < 80; ++length) {
        SCOPED_TRACE(length);
        EXPECT_EQ(base64Decode(base64Encode(bytes)), bytes);
        bytes.push_back(static_cast<char>((length * 37 + 11) & 0xff));
    }
    const Sha256Digest digest = sha256("receipt");
    EXPECT_EQ(base64Decode(base64Encode(asBytes(digest))), std::string(asBytes(digest)));
}

TEST(DigestTest, Base64DecodeRejectsBadInput) {
    EXPECT_EQ(base64Decode("Zm9"), std::nullopt);  // not a multiple of 4
    EXPECT_EQ(base64Decode("Zm9v!"), std::nullopt);
    EXPECT_EQ(base64Decode("Zm*v"), std::nullopt);  // not in the alphabet
    EXPECT_EQ(base64Decode("Zm=v"), std::nullopt);  // padding in the middle
    EXPECT_EQ(base64Decode("=Zm9"), std::nullopt);
    EXPECT_EQ(base64Decode("Z==="), std::nullopt);  // three padding characters
    EXPECT_EQ(base64Decode("===="), std::nullopt);
}

}  // namespace
}  // namespace claimgate::protocols
