#include "test_crl.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>

namespace claimgate::testing {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* value) const { Free(value); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>>;

X509Ptr readCertificate(const std::string& path) {
    FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) throw std::runtime_error("cannot open " + path);
    X509Ptr certificate(PEM_read_X509(file, nullptr, nullptr, nullptr));
    std::fclose(file);
    if (!certificate) throw std::runtime_error("not a PEM certificate: " + path);
    return certificate;
}

KeyPtr readKey(const std::string& path) {
    FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) throw std::runtime_error("cannot open " + path);
    KeyPtr key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
    std::fclose(file);
    if (!key) throw std::runtime_error("not a PEM key: " + path);
    return key;
}

}  // namespace

void writeCrl(const CrlSpec& spec, const std::string& out_path) {
    const X509Ptr issuer = readCertificate(spec.issuer_cert_pem);
    KeyPtr key = spec.signing_key_pem.empty()
                     ? KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"))
                     : readKey(spec.signing_key_pem);
    if (!key) throw std::runtime_error("no signing key");
    CrlPtr crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get()));
    TimePtr last(ASN1_TIME_adj(nullptr, std::time(nullptr), 0, -60));
    TimePtr next(ASN1_TIME_adj(nullptr, std::time(nullptr), 0, spec.next_update_offset_s));
    X509_CRL_set1_lastUpdate(crl.get(), last.get());
    X509_CRL_set1_nextUpdate(crl.get(), next.get());
    for (const auto& path : spec.revoked_cert_pems) {
        const X509Ptr certificate = readCertificate(path);
        X509_REVOKED* entry = X509_REVOKED_new();
        X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(certificate.get()));
        X509_REVOKED_set_revocationDate(entry, last.get());
        X509_CRL_add0_revoked(crl.get(), entry);
    }
    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) <= 0) {
        throw std::runtime_error("cannot sign the CRL");
    }
    // Written beside and renamed, as an operator's deploy would, so a poll never sees half.
    const std::string staged = out_path + ".new";
    FILE* file = std::fopen(staged.c_str(), "wb");
    if (file == nullptr) throw std::runtime_error("cannot write " + staged);
    const bool written = PEM_write_X509_CRL(file, crl.get()) == 1;
    std::fclose(file);
    if (!written || std::rename(staged.c_str(), out_path.c_str()) != 0) {
        throw std::runtime_error("cannot write " + out_path);
    }
}

}  // namespace claimgate::testing
