#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace claimgate::protocols {
namespace {

namespace fs = std::filesystem;

struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

struct FileClose {
    void operator()(FILE* file) const { std::fclose(file); }
};

KeyPtr generateP256() { return KeyPtr(EVP_EC_gen("P-256")); }

void writePrivateKey(EVP_PKEY* key, const fs::path& path, const char* passphrase = nullptr) {
    std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "wb"));
    ASSERT_TRUE(file);
    const EVP_CIPHER* cipher = passphrase != nullptr ? EVP_aes_128_cbc() : nullptr;
    auto* pass = reinterpret_cast<unsigned char*>(const_cast<char*>(passphrase));
    const int pass_length =
        passphrase != nullptr ? static_cast<int>(std::string(passphrase).size()) : 0;
    ASSERT_EQ(PEM_write_PrivateKey(file.get(), key, cipher, pass, pass_length, nullptr, nullptr),
              1);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

void writePublicKey(EVP_PKEY* key, const fs::path& path) {
    std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "wb"));
    ASSERT_TRUE(file);
    ASSERT_EQ(PEM_write_PUBKEY(file.get(), key), 1);
}

class EcdsaSignerTest : public ::testing::Test {
protected:
    void SetUp() override {
        key_ = generateP256();
        ASSERT_TRUE(key_);
        writePrivateKey(key_.get(), dir_ / "receipt.key");
        writePublicKey(key_.get(), dir_ / "receipt.pub");
    }

    std::shared_ptr<EcdsaSigner> signer() {
        auto loaded = EcdsaSigner::fromPemFile((dir_ / "receipt.key").string());
        EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.status().message());
        return loaded.ok() ? loaded.value() : nullptr;
    }
    std::shared_ptr<EcdsaVerifier> verifier(const fs::path& path) {
        auto loaded = EcdsaVerifier::fromPemFile(path.string());
        EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.status().message());
        return loaded.ok() ? loaded.value() : nullptr;
    }

    claimgate::testing::TempDir temp_{"cg-ecdsa-test"};
    fs::path dir_ = temp_.path();
    KeyPtr key_;
};

constexpr const char* kReceipt =
    R"({"amount":6000,"channel":"atm","citizen_mask":"A12*****89","claim_id":"c_1",)"
    R"("paid_at":"2023-04-10T01:02:03.000Z","program":"CASH2023","terminal_id":"atm-0001"})";

TEST_F(EcdsaSignerTest, SignatureVerifiesWithThePublicKey) {
    const auto sign = signer();
    const auto verify = verifier(dir_ / "receipt.pub");
    ASSERT_TRUE(sign && verify);
    const std::string signature = sign->signBase64(kReceipt);
    ASSERT_FALSE(signature.empty());
    EXPECT_TRUE(base64Decode(signature).has_value()) << "signatures travel as base64";
    EXPECT_TRUE(verify->verifyBase64(kReceipt, signature));
    // ECDSA is randomised: a second signature differs and verifies too.
    const std::string again = sign->signBase64(kReceipt);
    EXPECT_NE(again, signature);
    EXPECT_TRUE(verify->verifyBase64(kReceipt, again));
    EXPECT_TRUE(verify->verifyBase64("", sign->signBase64("")));
}

// The signer lends out reusable signing contexts (ecdsa_signer.cpp). More threads than it keeps
// idle sign at once, each its own messages: every signature must be over its own message (a
// context shared by two threads would mix them up or fail) and must be what OpenSSL's one-shot
// digest-verify accepts, i.e. ECDSA over SHA-256 of the message.
TEST_F(EcdsaSignerTest, ConcurrentSignersEachGetAValidSignatureOverTheirOwnMessage) {
    const auto sign = signer();
    const auto verify = verifier(dir_ / "receipt.pub");
    ASSERT_TRUE(sign && verify);
    constexpr int kThreads = 24;  // above the signer's 16 idle contexts
    constexpr int kSignaturesEach = 40;
    std::vector<std::vector<std::string>> signatures(kThreads);
    std::vector<std::thread> threads;
    const auto message = [](int thread, int index) {
        return std::string(kReceipt) + "#" + std::to_string(thread) + "/" + std::to_string(index);
    };
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kSignaturesEach; ++i) {
                signatures[static_cast<std::size_t>(t)].push_back(sign->signBase64(message(t, i)));
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kSignaturesEach; ++i) {
            const std::string& signature =
                signatures[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)];
            ASSERT_FALSE(signature.empty()) << t << "/" << i;
            EXPECT_TRUE(verify->verifyBase64(message(t, i), signature)) << t << "/" << i;
            EXPECT_FALSE(verify->verifyBase64(message(t, i + 1), signature)) << t << "/" << i;
        }
    }
    // Independently of EcdsaVerifier: OpenSSL's own digest-verify with SHA-256.
    const auto der = base64Decode(signatures[0][0]);
    ASSERT_TRUE(der.has_value());
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ASSERT_NE(context, nullptr);
    const std::string first = message(0, 0);
    EXPECT_EQ(EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key_.get()), 1);
    EXPECT_EQ(
        EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(der->data()), der->size(),
                         reinterpret_cast<const unsigned char*>(first.data()), first.size()),
        1);
    EVP_MD_CTX_free(context);
}

TEST_F(EcdsaSignerTest, TamperedMessageOrSignatureFails) {
    const auto sign = signer();
    const auto verify = verifier(dir_ / "receipt.pub");
    ASSERT_TRUE(sign && verify);
    const std::string signature = sign->signBase64(kReceipt);
    std::string tampered = kReceipt;
    tampered.replace(tampered.find("6000"), 4, "9000");
    EXPECT_FALSE(verify->verifyBase64(tampered, signature));
    EXPECT_FALSE(verify->verifyBase64(std::string(kReceipt) + " ", signature));

    auto der = base64Decode(signature).value();
    der[der.size() / 2] = static_cast<char>(der[der.size() / 2] ^ 0x01);
    EXPECT_FALSE(verify->verifyBase64(kReceipt, base64Encode(der)));
    EXPECT_FALSE(verify->verifyBase64(kReceipt, ""));
    EXPECT_FALSE(verify->verifyBase64(kReceipt, "not base64!"));
    EXPECT_FALSE(verify->verifyBase64(kReceipt, base64Encode("short")));
    // A rejected signature leaves nothing on the thread's OpenSSL error queue.
    EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST_F(EcdsaSignerTest, AnotherKeysSignatureFails) {
    const KeyPtr other = generateP256();
    ASSERT_TRUE(other);
    writePrivateKey(other.get(), dir_ / "other.key");
    const auto other_signer = EcdsaSigner::fromPemFile((dir_ / "other.key").string());
    ASSERT_TRUE(other_signer.ok());
    const auto verify = verifier(dir_ / "receipt.pub");
    ASSERT_TRUE(verify);
    EXPECT_FALSE(verify->verifyBase64(kReceipt, other_signer.value()->signBase64(kReceipt)));
}

TEST_F(EcdsaSignerTest, VerifierAcceptsACertificate) {
    // The gateway publishes receipt.pem (a certificate); offline verifiers load that.
    const std::string command = "openssl req -new -x509 -key " + (dir_ / "receipt.key").string() +
                                " -subj /CN=receipts -days 2 -out " +
                                (dir_ / "receipt.pem").string() + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0);
    const auto sign = signer();
    const auto verify = verifier(dir_ / "receipt.pem");
    ASSERT_TRUE(sign && verify);
    EXPECT_TRUE(verify->verifyBase64(kReceipt, sign->signBase64(kReceipt)));
}

TEST_F(EcdsaSignerTest, LoadingLeavesNoStaleOpenSslErrors) {
    // A stale entry on the thread's OpenSSL error queue makes a later, unrelated TLS call on
    // the same thread look failed; loading a bare public key must not leave one behind.
    ERR_clear_error();
    ASSERT_TRUE(verifier(dir_ / "receipt.pub"));
    EXPECT_EQ(ERR_peek_error(), 0UL);
    ERR_clear_error();
    EXPECT_FALSE(EcdsaVerifier::fromPemFile((dir_ / "receipt.key").string()).ok());
    EXPECT_EQ(ERR_peek_error(), 0UL);
    EXPECT_FALSE(EcdsaSigner::fromPemFile((dir_ / "receipt.pub").string()).ok());
    EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST_F(EcdsaSignerTest, MissingOrWrongFilesAreNamedInTheError) {
    const auto missing = EcdsaSigner::fromPemFile((dir_ / "absent.key").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), ErrorCode::internal);
    EXPECT_NE(missing.status().message().find("absent.key"), std::string::npos);

    std::ofstream(dir_ / "garbage.pem") << "-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n";
    const auto garbage = EcdsaSigner::fromPemFile((dir_ / "garbage.pem").string());
    ASSERT_FALSE(garbage.ok());
    EXPECT_NE(garbage.status().message().find("garbage.pem"), std::string::npos);
    EXPECT_FALSE(EcdsaVerifier::fromPemFile((dir_ / "garbage.pem").string()).ok());
    EXPECT_FALSE(EcdsaVerifier::fromPemFile((dir_ / "absent.pem").string()).ok());
}

TEST_F(EcdsaSignerTest, EncryptedKeyIsRefusedWithoutPrompting) {
    // A server must never block on a pass-phrase prompt on its terminal.
    writePrivateKey(key_.get(), dir_ / "encrypted.key", "secret");
    const auto loaded = EcdsaSigner::fromPemFile((dir_ / "encrypted.key").string());
    EXPECT_FALSE(loaded.ok());
}

TEST_F(EcdsaSignerTest, NonP256KeysAreRefused) {
    const KeyPtr rsa(EVP_RSA_gen(2048));
    ASSERT_TRUE(rsa);
    writePrivateKey(rsa.get(), dir_ / "rsa.key");
    writePublicKey(rsa.get(), dir_ / "rsa.pub");
    const auto signer_result = EcdsaSigner::fromPemFile((dir_ / "rsa.key").string());
    ASSERT_FALSE(signer_result.ok());
    EXPECT_NE(signer_result.status().message().find("P-256"), std::string::npos);
    EXPECT_FALSE(EcdsaVerifier::fromPemFile((dir_ / "rsa.pub").string()).ok());

    const KeyPtr p384(EVP_EC_gen("P-384"));
    ASSERT_TRUE(p384);
    writePrivateKey(p384.get(), dir_ / "p384.key");
    EXPECT_FALSE(EcdsaSigner::fromPemFile((dir_ / "p384.key").string()).ok());
}

}  // namespace
}  // namespace claimgate::protocols
