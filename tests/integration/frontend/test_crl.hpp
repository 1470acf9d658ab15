// File: test_crl.hpp
// Writes CRLs for the reload tests with OpenSSL directly: signed by the dev CA (a genuine
// update), by a key that is not the CA's (forged), or with a nextUpdate in the past (stale).
#pragma once

#include <string>
#include <vector>

namespace claimgate::testing {

struct CrlSpec {
    std::string issuer_cert_pem;  // whose subject becomes the CRL issuer
    std::string signing_key_pem;  // "" = a fresh key nobody trusts (a forged CRL)
    std::vector<std::string> revoked_cert_pems;
    long next_update_offset_s = 86400;  // negative = already stale
};

/// Writes the PEM CRL to `out_path`; throws std::runtime_error on failure.
void writeCrl(const CrlSpec& spec, const std::string& out_path);

}  // namespace claimgate::testing
