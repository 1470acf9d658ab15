// File: journal_sealer.cpp
#include "journal_sealer.hpp"

#include <claimgate/protocols/digest.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cstdio>
#include <memory>

namespace claimgate::sdk {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

constexpr std::string_view kPrefix = "g1:";
constexpr std::string_view kKeyLabel = "claimgate-sdk journal sealing key v1";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, void (*)(EVP_CIPHER_CTX*)>;

}  // namespace

Result<JournalSealer> JournalSealer::fromPrivateKeyFile(const std::string& key_file) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(key_file.c_str(), "rb"), &std::fclose);
    if (!file) {
        return Status(ErrorCode::bad_field, "key_file '" + key_file + "' cannot be read");
    }
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
        PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    if (!key) {
        return Status(ErrorCode::bad_field, "key_file '" + key_file + "' holds no private key");
    }
    unsigned char* der = nullptr;
    const int length = i2d_PrivateKey(key.get(), &der);
    if (length <= 0) {
        return Status(ErrorCode::internal, "cannot encode the terminal key");
    }
    const auto digest = protocols::hmacSha256(
        std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length)),
        kKeyLabel);
    OPENSSL_clear_free(der, static_cast<std::size_t>(length));
    std::array<unsigned char, kKeyBytes> sealing_key{};
    static_assert(sizeof(digest) == kKeyBytes);
    std::copy(digest.begin(), digest.end(), sealing_key.begin());
    return JournalSealer(sealing_key);
}

bool JournalSealer::isSealed(std::string_view text) noexcept {
    return text.substr(0, kPrefix.size()) == kPrefix;
}

std::string JournalSealer::seal(std::string_view plaintext) const {
    std::string out(static_cast<std::size_t>(kNonceBytes) + plaintext.size() + kTagBytes, '\0');
    auto* bytes = reinterpret_cast<unsigned char*>(out.data());
    if (RAND_bytes(bytes, kNonceBytes) != 1) {
        return {};
    }
    CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    int length = 0;
    const bool ok =
        context &&
        EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes) == 1 &&
        EVP_EncryptUpdate(context.get(), bytes + kNonceBytes, &length,
                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                          static_cast<int>(plaintext.size())) == 1 &&
        EVP_EncryptFinal_ex(context.get(), bytes + kNonceBytes + length, &length) == 1 &&
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                            bytes + kNonceBytes + plaintext.size()) == 1;
    return ok ? std::string(kPrefix) + protocols::base64Encode(out) : std::string();
}

std::optional<std::string> JournalSealer::open(std::string_view sealed) const {
    if (!isSealed(sealed)) {
        return std::nullopt;
    }
    auto raw = protocols::base64Decode(sealed.substr(kPrefix.size()));
    if (!raw || raw->size() < static_cast<std::size_t>(kNonceBytes + kTagBytes)) {
        return std::nullopt;
    }
    const std::size_t text_size = raw->size() - kNonceBytes - kTagBytes;
    auto* bytes = reinterpret_cast<unsigned char*>(raw->data());
    std::string plaintext(text_size, '\0');
    CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    int length = 0;
    const bool ok =
        context &&
        EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_.data(), bytes) == 1 &&
        EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char*>(plaintext.data()),
                          &length, bytes + kNonceBytes, static_cast<int>(text_size)) == 1 &&
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                            bytes + kNonceBytes + text_size) == 1 &&
        EVP_DecryptFinal_ex(context.get(),
                            reinterpret_cast<unsigned char*>(plaintext.data()) + length,
                            &length) == 1;
    if (!ok) {
        return std::nullopt;
    }
    return plaintext;
}

}  // namespace claimgate::sdk
