#include "http/terminal_authenticator.hpp"

#include <Poco/Net/X509Certificate.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>

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

}  // namespace

protocols::Result<std::shared_ptr<TerminalAuthenticator>> TerminalAuthenticator::fromCrlFile(
    const std::string& crl_path) {
    auto authenticator = std::make_shared<TerminalAuthenticator>();
    if (crl_path.empty()) return authenticator;
    FILE* file = std::fopen(crl_path.c_str(), "rb");
    if (file == nullptr) return Status(ErrorCode::internal, "cannot open CRL " + crl_path);
    X509_CRL* crl = PEM_read_X509_CRL(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (crl == nullptr) return Status(ErrorCode::internal, "not a PEM CRL: " + crl_path);
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
    for (int i = 0; revoked != nullptr && i < sk_X509_REVOKED_num(revoked); ++i) {
        authenticator->revoked_serials_.insert(
            serialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
    }
    if (const ASN1_TIME* next_update = X509_CRL_get0_nextUpdate(crl); next_update != nullptr) {
        std::tm when{};
        if (ASN1_TIME_to_tm(next_update, &when) == 1) {
            authenticator->crl_next_update_seconds_ = static_cast<std::int64_t>(timegm(&when));
        }
    }
    X509_CRL_free(crl);
    return authenticator;
}

protocols::Result<TerminalIdentity> TerminalAuthenticator::identify(
    const Poco::Net::X509Certificate& certificate) const {
    const X509* x509 = certificate.certificate();
    if (x509 == nullptr) return Status(ErrorCode::terminal_revoked, "no client certificate");
    if (revoked_serials_.count(serialHex(X509_get0_serialNumber(x509))) != 0) {
        return Status(ErrorCode::terminal_revoked, "the terminal certificate is revoked");
    }
    TerminalIdentity identity;
    identity.terminal_id = certificate.subjectName(Poco::Net::X509Certificate::NID_COMMON_NAME);
    identity.operator_id =
        certificate.subjectName(Poco::Net::X509Certificate::NID_ORGANIZATION_NAME);
    const std::string channel =
        certificate.subjectName(Poco::Net::X509Certificate::NID_ORGANIZATION_UNIT_NAME);
    const auto parsed = protocols::parseChannel(channel);
    if (identity.terminal_id.empty() || identity.operator_id.empty() || !parsed ||
        !protocols::isTerminalChannel(*parsed)) {
        return Status(ErrorCode::channel_mismatch,
                      "certificate subject must carry CN=terminal, O=operator, "
                      "OU=atm|kiosk|counter");
    }
    identity.channel = *parsed;
    return identity;
}

}  // namespace claimgate::gateway
