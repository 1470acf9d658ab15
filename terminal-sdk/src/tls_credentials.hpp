// File: tls_credentials.hpp
// The open-time check of a terminal's TLS files: the certificate and key belong together and
// the certificate was issued by the CA the client trusts (one PKI issues gateway and terminal
// certificates, contracts §10). Failing here turns "try later, forever" into a clear
// CG_CONFIG_ERROR that names the file.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <string>

namespace claimgate::sdk {

/// bad_field naming the file and the fault; ok when all three belong together.
protocols::Status checkTerminalCredentials(const std::string& cert_file,
                                           const std::string& key_file, const std::string& ca_file);

}  // namespace claimgate::sdk
