// File: ecdsa_signer.hpp
// ECDSA P-256 / SHA-256 signatures for commit receipts (contracts §5), roster pages and claim
// batches (contracts §8). Signatures travel as base64 of the DER encoding.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace claimgate::protocols {

class EcdsaSigner {
public:
    /// Loads a PEM private key (P-256). Errors: ErrorCode::internal with the file named.
    static Result<std::shared_ptr<EcdsaSigner>> fromPemFile(const std::string& path);

    ~EcdsaSigner();
    EcdsaSigner(const EcdsaSigner&) = delete;
    EcdsaSigner& operator=(const EcdsaSigner&) = delete;

    /// base64(DER signature) over SHA-256(message). Thread-safe.
    [[nodiscard]] std::string signBase64(std::string_view message) const;
    /// Names the key on printed receipts: the first 16 hex digits of SHA-256 over the DER
    /// SubjectPublicKeyInfo (the same for the key and its certificate).
    [[nodiscard]] const std::string& keyId() const { return key_id_; }

private:
    class SigningContexts;  // idle OpenSSL signing contexts, reused (ecdsa_signer.cpp)

    explicit EcdsaSigner(void* key);
    void* key_;  // EVP_PKEY*, kept opaque so OpenSSL stays out of this header
    std::string key_id_;
    std::unique_ptr<SigningContexts> contexts_;
};

class EcdsaVerifier {
public:
    /// Loads a PEM certificate or public key.
    static Result<std::shared_ptr<EcdsaVerifier>> fromPemFile(const std::string& path);

    ~EcdsaVerifier();
    EcdsaVerifier(const EcdsaVerifier&) = delete;
    EcdsaVerifier& operator=(const EcdsaVerifier&) = delete;

    [[nodiscard]] bool verifyBase64(std::string_view message,
                                    std::string_view signature_base64) const;
    /// See EcdsaSigner::keyId.
    [[nodiscard]] const std::string& keyId() const { return key_id_; }

private:
    explicit EcdsaVerifier(void* key);
    void* key_;  // EVP_PKEY*
    std::string key_id_;
};

}  // namespace claimgate::protocols
