#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/private_file.hpp>

#include <claimgate/protocols/digest.hpp>

#include "openssl_algorithms.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <mutex>
#include <vector>

namespace claimgate::protocols {
namespace {

EVP_PKEY* asKey(void* key) { return static_cast<EVP_PKEY*>(key); }

struct FileCloser {
    void operator()(FILE* file) const { std::fclose(file); }
};

// With no callback OpenSSL asks for a pass phrase on the controlling terminal, which would hang
// a server at start-up; an encrypted key is refused instead.
int refusePassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

// Receipts, roster pages and claim batches are specified as ECDSA P-256 (contracts §5, §8).
bool isP256(EVP_PKEY* key) {
    if (EVP_PKEY_is_a(key, "EC") != 1) return false;
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) != 1) {
        return false;
    }
    const std::string name(group, length);
    return name == "prime256v1" || name == "P-256";
}

constexpr std::size_t kKeyIdBytes = 8;
/// ECDSA P-256 DER: SEQUENCE of two INTEGERs of up to 33 bytes each.
constexpr std::size_t kSignatureBytesMax = 72;

std::string publicKeyId(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    if (length <= 0) {
        ERR_clear_error();
        return {};
    }
    const Sha256Digest digest = sha256(
        std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length)));
    OPENSSL_free(der);
    return toHex(digest.data(), kKeyIdBytes);
}

/// Contexts kept idle for reuse. Each thread that signs at the same moment needs its own, so
/// this is about the number of signing threads (the ledger's render thread and writer, a few
/// request threads); a burst beyond it frees the extras.
constexpr std::size_t kIdleSigningContextsMax = 16;

}  // namespace

/// A signing context costs about as much to set up as a fifth of the signature itself
/// (EVP_DigestSignInit looks up the key's methods and parameters each time: about 3-5 µs of
/// 20-30 µs measured on the development box), and a node signs a receipt for every paid claim.
/// So contexts are initialised once for signing with this key, then lent out, one per concurrent
/// signature: an EVP_PKEY_CTX is not safe to share between threads.
class EcdsaSigner::SigningContexts {
public:
    explicit SigningContexts(EVP_PKEY* key) : key_(key) {}
    ~SigningContexts() {
        for (EVP_PKEY_CTX* context : idle_) EVP_PKEY_CTX_free(context);
    }
    SigningContexts(const SigningContexts&) = delete;
    SigningContexts& operator=(const SigningContexts&) = delete;

    /// An idle context, or a fresh one ready to sign; null if OpenSSL refuses.
    EVP_PKEY_CTX* borrow() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (!idle_.empty()) {
                EVP_PKEY_CTX* context = idle_.back();
                idle_.pop_back();
                return context;
            }
        }
        EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_pkey(nullptr, key_, nullptr);
        if (context == nullptr || EVP_PKEY_sign_init(context) != 1 ||
            EVP_PKEY_CTX_set_signature_md(context, sha256Algorithm()) != 1) {
            EVP_PKEY_CTX_free(context);
            return nullptr;
        }
        return context;
    }

    /// Takes back a borrowed context (null is ignored). One whose signing failed is freed: its
    /// state after a failure is not worth trusting.
    void giveBack(EVP_PKEY_CTX* context, bool signed_ok) {
        if (context == nullptr) return;
        if (signed_ok) {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (idle_.size() < kIdleSigningContextsMax) {
                idle_.push_back(context);
                return;
            }
        }
        EVP_PKEY_CTX_free(context);
    }

private:
    EVP_PKEY* key_;
    std::mutex mutex_;
    std::vector<EVP_PKEY_CTX*> idle_;
};

// Computed once: every paid receipt names the key, and encoding the public key costs more than
// a hash.
EcdsaSigner::EcdsaSigner(void* key)
    : key_(key),
      key_id_(publicKeyId(asKey(key))),
      contexts_(std::make_unique<SigningContexts>(asKey(key))) {}
EcdsaVerifier::EcdsaVerifier(void* key) : key_(key), key_id_(publicKeyId(asKey(key))) {}

Result<std::shared_ptr<EcdsaSigner>> EcdsaSigner::fromPemFile(const std::string& path) {
    if (Status owner_only = requireOwnerOnlyFile(path, "private key"); !owner_only.ok()) {
        return owner_only;
    }
    std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return Status(ErrorCode::internal, "cannot open private key " + path);
    }
    EVP_PKEY* key = PEM_read_PrivateKey(file.get(), nullptr, refusePassphrase, nullptr);
    // Leave no entry on this thread's error queue: a stale one makes the next TLS call on the
    // thread (e.g. in POCO) report a failure that did not happen.
    ERR_clear_error();
    if (key == nullptr) {
        return Status(ErrorCode::internal, "not an unencrypted PEM private key: " + path);
    }
    if (!isP256(key)) {
        EVP_PKEY_free(key);
        return Status(ErrorCode::internal, "not an ECDSA P-256 key: " + path);
    }
    return std::shared_ptr<EcdsaSigner>(new EcdsaSigner(key));
}

EcdsaSigner::~EcdsaSigner() {
    contexts_.reset();  // the contexts hold references to the key
    EVP_PKEY_free(asKey(key_));
}

std::string EcdsaSigner::signBase64(std::string_view message) const {
    // The same signature EVP_DigestSign makes: ECDSA over SHA-256(message), hashed here with the
    // thread's cached digest context. A P-256 signature in DER is at most 72 bytes; one call
    // signs into a buffer that size (asking for the length first would sign twice).
    const Sha256Digest digest = sha256(message);
    unsigned char signature[kSignatureBytesMax];
    std::size_t length = sizeof signature;
    EVP_PKEY_CTX* context = contexts_->borrow();
    const bool ok = context != nullptr &&
                    EVP_PKEY_sign(context, signature, &length, digest.data(), digest.size()) == 1;
    contexts_->giveBack(context, ok);
    if (!ok) {
        ERR_clear_error();
        return {};
    }
    return base64Encode(std::string_view(reinterpret_cast<const char*>(signature), length));
}

Result<std::shared_ptr<EcdsaVerifier>> EcdsaVerifier::fromPemFile(const std::string& path) {
    std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return Status(ErrorCode::internal, "cannot open certificate " + path);
    }
    EVP_PKEY* key = nullptr;
    if (X509* certificate = PEM_read_X509(file.get(), nullptr, refusePassphrase, nullptr)) {
        key = X509_get_pubkey(certificate);
        X509_free(certificate);
    } else {
        std::rewind(file.get());
        key = PEM_read_PUBKEY(file.get(), nullptr, refusePassphrase, nullptr);
    }
    ERR_clear_error();  // the certificate attempt fails for a bare public key; see above
    if (key == nullptr) {
        return Status(ErrorCode::internal, "no public key in " + path);
    }
    if (!isP256(key)) {
        EVP_PKEY_free(key);
        return Status(ErrorCode::internal, "not an ECDSA P-256 key: " + path);
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
        EVP_DigestVerifyInit(context, nullptr, sha256Algorithm(), nullptr, asKey(key_)) == 1 &&
        EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature->data()),
                         signature->size(), reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) == 1;
    EVP_MD_CTX_free(context);
    if (!valid) ERR_clear_error();  // a forged signature is an answer, not a stale TLS error
    return valid;
}

}  // namespace claimgate::protocols
