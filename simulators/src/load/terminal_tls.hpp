// File: terminal_tls.hpp
// The client side of mutual TLS as the load and fleet generators set it up: the dev PKI's CA,
// one terminal's certificate and key, TLS 1.2 or later, the server's certificate verified.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <boost/asio/ssl/context.hpp>

#include <string>

namespace claimgate::simulators {

/// Loads `pki_dir`/ca.pem and `pki_dir`/terminals/`terminal_cert`.pem/.key into `tls`.
/// A missing file or a failed load is `bad_field` naming it.
[[nodiscard]] protocols::Status configureTerminalTls(const std::string& pki_dir,
                                                     const std::string& terminal_cert,
                                                     boost::asio::ssl::context& tls);

}  // namespace claimgate::simulators
