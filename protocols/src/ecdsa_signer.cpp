#include <claimgate/protocols/ecdsa_signer.hpp>

#include <claimgate/protocols/digest.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <vector>

namespace claimgate::protocols {
namespace {

EVP_PKEY* asKey(void* key) { return static_cast<EVP_PKEY*>(key); }

struct FileCloser {
    void operator()(FILE* file) const { std::fclose(file); }
};

}  // namespace

Result<std::shared_ptr<EcdsaSigner>> EcdsaSigner::fromPemFile(const std::string& path) {
    std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return Status(ErrorCode::internal, "cannot open private key " + path);
    }
    EVP_PKEY* key = PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) {
        return Status(ErrorCode::internal, "not a PEM private key: " + path);
    }
    return std::shared_ptr<EcdsaSigner>(new EcdsaSigner(key));
}

EcdsaSigner::~EcdsaSigner() { EVP_PKEY_free(asKey(key_)); }

std::string EcdsaSigner::signBase64(std::string_view message) const {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    std::size_t length = 0;
    std::string signature;
    if (context != nullptr &&
        EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, asKey(key_)) == 1 &&
        EVP_DigestSign(context, nullptr, &length,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1) {
        signature.resize(length);
        if (EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                           reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()) == 1) {
            signature.resize(length);
        } else {
            signature.clear();
        }
    }
    EVP_MD_CTX_free(context);
    return signature.empty() ? std::string() : base64Encode(signature);
}

Result<std::shared_ptr<EcdsaVerifier>> EcdsaVerifier::fromPemFile(const std::string& path) {
    std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return Status(ErrorCode::internal, "cannot open certificate " + path);
    }
    EVP_PKEY* key = nullptr;
    if (X509* certificate = PEM_read_X509(file.get(), nullptr, nullptr, nullptr)) {
        key = X509_get_pubkey(certificate);
        X509_free(certificate);
    } else {
        std::rewind(file.get());
        key = PEM_read_PUBKEY(file.get(), nullptr, nullptr, nullptr);
    }
    if (key == nullptr) {
        return Status(ErrorCode::internal, "no public key in " + path);
    }
    return std::shared_ptr<EcdsaVerifier>(new EcdsaVerifier(key));
}

EcdsaVerifier::~EcdsaVerifier() { EVP_PKEY_free(asKey(key_)); }

bool EcdsaVerifier::verifyBase64(std::string_view message,
                                 std::string_view signature_base64) const {
    const auto signature = base64Decode(signature_base64);
    if (!signature) {
        return false;
    }
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    const bool valid =
        context != nullptr &&
        EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, asKey(key_)) == 1 &&
        EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature->data()),
                         signature->size(),
                         reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) == 1;
    EVP_MD_CTX_free(context);
    return valid;
}

}  // namespace claimgate::protocols
