// File: tls_credentials.cpp
#include "tls_credentials.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace claimgate::sdk {

using protocols::ErrorCode;
using protocols::Status;

namespace {

using FilePtr = std::unique_ptr<FILE, int (*)(FILE*)>;
using CertificatePtr = std::unique_ptr<X509, void (*)(X509*)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;
using StorePtr = std::unique_ptr<X509_STORE, void (*)(X509_STORE*)>;
using StoreContextPtr = std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)>;
using ChainPtr = std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>;

void freeChain(STACK_OF(X509) * chain) { sk_X509_pop_free(chain, X509_free); }

FilePtr openFile(const std::string& path) {
    return FilePtr(path.empty() ? nullptr : std::fopen(path.c_str(), "rb"), &std::fclose);
}

}  // namespace

Status checkTerminalCredentials(const std::string& cert_file, const std::string& key_file,
                                const std::string& ca_file) {
    auto cert_stream = openFile(cert_file);
    if (!cert_stream) {
        return Status(ErrorCode::bad_field, "cert_file '" + cert_file + "' cannot be read");
    }
    CertificatePtr certificate(PEM_read_X509(cert_stream.get(), nullptr, nullptr, nullptr),
                               &X509_free);
    if (!certificate) {
        return Status(ErrorCode::bad_field,
                      "cert_file '" + cert_file + "' holds no PEM certificate");
    }
    // Intermediate certificates may follow the terminal's own in the same file.
    ChainPtr intermediates(sk_X509_new_null(), &freeChain);
    while (X509* extra = PEM_read_X509(cert_stream.get(), nullptr, nullptr, nullptr)) {
        sk_X509_push(intermediates.get(), extra);
    }
    ERR_clear_error();

    auto key_stream = openFile(key_file);
    if (!key_stream) {
        return Status(ErrorCode::bad_field, "key_file '" + key_file + "' cannot be read");
    }
    KeyPtr key(PEM_read_PrivateKey(key_stream.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    if (!key) {
        ERR_clear_error();
        return Status(ErrorCode::bad_field,
                      "key_file '" + key_file + "' holds no unencrypted PEM private key");
    }
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        return Status(ErrorCode::bad_field, "key_file '" + key_file +
                                                "' does not belong to cert_file '" + cert_file +
                                                "' (mismatched key)");
    }

    StorePtr store(X509_STORE_new(), &X509_STORE_free);
    if (!store || X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
        ERR_clear_error();
        return Status(ErrorCode::bad_field,
                      "ca_file '" + ca_file + "' cannot be read or holds no PEM certificate");
    }
    StoreContextPtr context(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
    if (!context || X509_STORE_CTX_init(context.get(), store.get(), certificate.get(),
                                        intermediates.get()) != 1) {
        ERR_clear_error();
        return Status(ErrorCode::internal, "cannot set up certificate verification");
    }
    X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_CLIENT);
    if (X509_verify_cert(context.get()) != 1) {
        const int reason = X509_STORE_CTX_get_error(context.get());
        ERR_clear_error();
        return Status(ErrorCode::bad_field,
                      "cert_file '" + cert_file +
                          "' is not a terminal certificate of the CA in "
                          "ca_file '" +
                          ca_file + "': " + X509_verify_cert_error_string(reason) +
                          " (unknown CA, expired, or not for client authentication)");
    }
    return Status::okStatus();
}

}  // namespace claimgate::sdk
