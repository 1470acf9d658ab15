#include "http/terminal_authenticator.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/pem.h>

#include <cstdio>
#include <ctime>
#include <vector>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

std::string serialHex(const ASN1_INTEGER* serial) {
    BIGNUM* number = ASN1_INTEGER_to_BN(serial, nullptr);
    if (number == nullptr) return {};
    char* hex = BN_bn2hex(number);
    std::string text = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(number);
    return text;
}

std::string subjectField(const X509* certificate, int nid) {
    X509_NAME* name = X509_get_subject_name(certificate);
    if (name == nullptr) return {};
    char buffer[256];
    const int length = X509_NAME_get_text_by_NID(name, nid, buffer, sizeof buffer);
    if (length <= 0) return {};
    return std::string(buffer, static_cast<std::size_t>(length));
}

struct FileCloser {
    void operator()(FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<FILE, FileCloser>;

std::int64_t epochSeconds(const ASN1_TIME* time) {
    struct tm parsed {};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parsed) != 1) return 0;
    return static_cast<std::int64_t>(timegm(&parsed));
}

}  // namespace

protocols::Result<std::shared_ptr<TerminalAuthenticator>> TerminalAuthenticator::fromFiles(
    const std::string& ca_bundle_path, const std::string& crl_path) {
    auto authenticator = std::make_shared<TerminalAuthenticator>();
    if (crl_path.empty()) return authenticator;
    File crl_file(std::fopen(crl_path.c_str(), "rb"));
    if (!crl_file) return Status(ErrorCode::internal, "cannot open CRL " + crl_path);
    std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(
        PEM_read_X509_CRL(crl_file.get(), nullptr, nullptr, nullptr), X509_CRL_free);
    if (!crl) return Status(ErrorCode::internal, "not a PEM CRL: " + crl_path);

    File ca_file(std::fopen(ca_bundle_path.c_str(), "rb"));
    if (!ca_file) return Status(ErrorCode::internal, "cannot open CA bundle " + ca_bundle_path);
    bool issuer_found = false;
    bool verified = false;
    while (X509* ca = PEM_read_X509(ca_file.get(), nullptr, nullptr, nullptr)) {
        if (X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl.get())) == 0) {
            issuer_found = true;
            EVP_PKEY* key = X509_get0_pubkey(ca);
            verified = verified || (key != nullptr && X509_CRL_verify(crl.get(), key) == 1);
        }
        X509_free(ca);
    }
    if (!issuer_found) {
        return Status(ErrorCode::internal,
                      "CRL " + crl_path + " is not issued by a CA of " + ca_bundle_path);
    }
    if (!verified) {
        return Status(ErrorCode::internal, "CRL " + crl_path + ": signature does not verify");
    }
    authenticator->next_update_s_ = epochSeconds(X509_CRL_get0_nextUpdate(crl.get()));
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    for (int i = 0; revoked != nullptr && i < sk_X509_REVOKED_num(revoked); ++i) {
        authenticator->revoked_serials_.insert(
            serialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
    }
    return authenticator;
}

bool TerminalAuthenticator::isRevoked(const X509* certificate) const {
    return revoked_serials_.count(serialHex(X509_get0_serialNumber(certificate))) != 0;
}

protocols::Result<TerminalIdentity> TerminalAuthenticator::identify(const X509* certificate) const {
    if (certificate == nullptr) {
        return Status(ErrorCode::terminal_revoked, "a client certificate is required");
    }
    if (isRevoked(certificate)) {
        return Status(ErrorCode::terminal_revoked, "the terminal certificate is revoked");
    }
    TerminalIdentity identity;
    identity.terminal_id = subjectField(certificate, NID_commonName);
    identity.operator_id = subjectField(certificate, NID_organizationName);
    const std::string unit = subjectField(certificate, NID_organizationalUnitName);
    const auto role = protocols::parseTerminalRole(unit);
    if (identity.terminal_id.empty() || identity.operator_id.empty() || !role) {
        return Status(ErrorCode::channel_mismatch,
                      "certificate subject must carry CN=terminal, O=operator, "
                      "OU=atm|kiosk|pos|counter");
    }
    identity.role = *role;
    identity.channel = protocols::channelOfRole(*role);
    return identity;
}

}  // namespace claimgate::gateway
