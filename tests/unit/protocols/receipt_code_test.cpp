// The receipt's printable form and the one offline verifier (protocols/receipt_code.hpp):
// round trip, a genuine receipt verifies, one altered digit or another key is refused, and
// anything that is not a receipt is malformed, never a crash.
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/receipt_code.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>

namespace claimgate::protocols {
namespace {

namespace fs = std::filesystem;

// A P-256 key pair written as PEM private key and PEM public key in a fresh directory.
class ReceiptKeys {
public:
    ReceiptKeys() {
        std::random_device random;
        dir_ = fs::temp_directory_path() / ("cg-receipt-" + std::to_string(random()));
        fs::create_directories(dir_);
        std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
        std::unique_ptr<FILE, int (*)(FILE*)> priv(std::fopen(keyPath().c_str(), "wb"),
                                                   &std::fclose);
        PEM_write_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        std::unique_ptr<FILE, int (*)(FILE*)> pub(std::fopen(publicPath().c_str(), "wb"),
                                                  &std::fclose);
        PEM_write_PUBKEY(pub.get(), key.get());
        fs::permissions(keyPath(), fs::perms::owner_read | fs::perms::owner_write);
    }
    ~ReceiptKeys() { fs::remove_all(dir_); }
    [[nodiscard]] std::string keyPath() const { return (dir_ / "receipt.key").string(); }
    [[nodiscard]] std::string publicPath() const { return (dir_ / "receipt.pub").string(); }

private:
    fs::path dir_;
};

ReceiptFields sampleReceipt(const EcdsaSigner& signer) {
    ReceiptFields receipt;
    receipt.claim_id = "c_k3v7q2mxa5nb6t4rwy2zdhe7";
    receipt.program = "CASH2023";
    receipt.amount = 6000;
    receipt.channel = "atm";
    receipt.terminal_id = "atm-0001";
    receipt.paid_at = "2023-04-10T01:00:12.345Z";
    receipt.citizen_mask = "A12*****89";
    receipt.key_id = signer.keyId();
    receipt.signature = signer.signBase64(receiptPayload(receipt));
    return receipt;
}

TEST(ReceiptCodeTest, PayloadIsTheSortedCompactJsonOfTheSevenMembers) {
    ReceiptFields receipt;
    receipt.claim_id = "c_1";
    receipt.program = "P";
    receipt.amount = 5;
    receipt.channel = "atm";
    receipt.terminal_id = "t";
    receipt.paid_at = "2023-04-10T01:00:12.345Z";
    receipt.citizen_mask = "A12*****89";
    EXPECT_EQ(receiptPayload(receipt),
              R"({"amount":5,"channel":"atm","citizen_mask":"A12*****89","claim_id":"c_1",)"
              R"("paid_at":"2023-04-10T01:00:12.345Z","program":"P","terminal_id":"t"})");
}

TEST(ReceiptCodeTest, GenuineReceiptRoundTripsAndVerifies) {
    ReceiptKeys keys;
    auto signer = EcdsaSigner::fromPemFile(keys.keyPath());
    ASSERT_TRUE(signer.ok()) << signer.status().message();
    const ReceiptFields receipt = sampleReceipt(**signer);
    const std::string qr = encodeReceiptQr(receipt);
    EXPECT_EQ(qr.rfind("CGR1|c_k3v7q2mxa5nb6t4rwy2zdhe7|CASH2023|6000|atm|atm-0001|", 0), 0U);
    EXPECT_LE(qr.size(), kReceiptQrLengthMax);
    auto decoded = decodeReceiptQr(qr);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(encodeReceiptQr(*decoded), qr);

    auto verifier = ReceiptVerifier::fromPemFile(keys.publicPath());
    ASSERT_TRUE(verifier.ok()) << verifier.status().message();
    EXPECT_EQ(verifier->keyId(), (*signer)->keyId());
    std::string why;
    EXPECT_EQ(verifier->check(qr, why), ReceiptCheck::genuine) << why;

    // From the gateway's JSON form (the commit reply's "receipt" object) to the same text.
    nlohmann::json json = nlohmann::json::parse(receiptPayload(receipt));
    json["sig"] = receipt.signature;
    json["key_id"] = receipt.key_id;
    auto from_json = receiptFromJson(json);
    ASSERT_TRUE(from_json.ok()) << from_json.status().message();
    EXPECT_EQ(encodeReceiptQr(*from_json), qr);
}

TEST(ReceiptCodeTest, OneAlteredDigitOrAnotherKeyIsRefused) {
    ReceiptKeys keys;
    ReceiptKeys other;
    auto signer = EcdsaSigner::fromPemFile(keys.keyPath());
    ASSERT_TRUE(signer.ok());
    const std::string qr = encodeReceiptQr(sampleReceipt(**signer));
    auto verifier = ReceiptVerifier::fromPemFile(keys.publicPath());
    ASSERT_TRUE(verifier.ok());
    std::string why;
    std::string altered = qr;
    altered[altered.find("|6000|") + 1] = '7';
    EXPECT_EQ(verifier->check(altered, why), ReceiptCheck::altered) << why;
    std::string other_terminal = qr;
    other_terminal.replace(other_terminal.find("atm-0001"), 8, "atm-0002");
    EXPECT_EQ(verifier->check(other_terminal, why), ReceiptCheck::altered) << why;
    auto stranger = ReceiptVerifier::fromPemFile(other.publicPath());
    ASSERT_TRUE(stranger.ok());
    EXPECT_EQ(stranger->check(qr, why), ReceiptCheck::altered);
    EXPECT_NE(why.find("signed by key"), std::string::npos) << why;
}

TEST(ReceiptCodeTest, AnythingElseIsMalformed) {
    ReceiptKeys keys;
    auto signer = EcdsaSigner::fromPemFile(keys.keyPath());
    ASSERT_TRUE(signer.ok());
    const std::string qr = encodeReceiptQr(sampleReceipt(**signer));
    auto verifier = ReceiptVerifier::fromPemFile(keys.publicPath());
    ASSERT_TRUE(verifier.ok());
    std::string leading_zero = qr;
    leading_zero.replace(leading_zero.find("|6000|"), 6, "|06000|");
    for (const std::string& garbage :
         {std::string(), std::string("CGR1"), std::string("not a receipt"), qr + "|extra",
          std::string("CGR2") + qr.substr(4), leading_zero, std::string(600, 'x'),
          qr.substr(0, qr.rfind('|')) + "|!!notbase64", std::string("CGR1|||||||||")}) {
        std::string why;
        EXPECT_EQ(verifier->check(garbage, why), ReceiptCheck::malformed) << garbage;
        EXPECT_FALSE(why.empty());
    }
}

}  // namespace
}  // namespace claimgate::protocols
