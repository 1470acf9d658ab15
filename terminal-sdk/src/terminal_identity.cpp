// File: terminal_identity.cpp
#include "terminal_identity.hpp"

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/terminal_role.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

namespace claimgate::sdk {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

std::string nameEntry(X509_NAME* name, int nid) {
    const int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) {
        return {};
    }
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) {
        return {};
    }
    std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return text;
}

}  // namespace

Result<TerminalIdentity> TerminalIdentity::fromCertificateFile(const std::string& path) {
    if (path.empty()) {
        return Status(ErrorCode::missing_field, "cert_file is empty");
    }
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        return Status(ErrorCode::bad_field, "cannot read terminal certificate " + path);
    }
    std::unique_ptr<X509, void (*)(X509*)> certificate(
        PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!certificate) {
        return Status(ErrorCode::bad_field, "not a PEM certificate: " + path);
    }
    X509_NAME* subject = X509_get_subject_name(certificate.get());
    TerminalIdentity identity{nameEntry(subject, NID_commonName),
                              nameEntry(subject, NID_organizationName),
                              nameEntry(subject, NID_organizationalUnitName)};
    if (identity.terminal_id.empty() || identity.operator_id.empty()) {
        return Status(ErrorCode::bad_field,
                      "terminal certificate " + path + " lacks CN (terminal id) or O (operator)");
    }
    // OU is the terminal's role; a POS till (OU=pos) works in the kiosk channel.
    const auto role = protocols::parseTerminalRole(identity.channel);
    if (!role.has_value()) {
        return Status(ErrorCode::bad_field, "terminal certificate " + path + " has OU='" +
                                                identity.channel +
                                                "', expected atm, kiosk, pos or counter");
    }
    identity.channel = std::string(protocols::channelName(protocols::channelOfRole(*role)));
    return identity;
}

}  // namespace claimgate::sdk
