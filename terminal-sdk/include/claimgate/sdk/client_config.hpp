// File: client_config.hpp
// Files and endpoint of one terminal's client (C++ face of cg_config).
#pragma once

#include <cstdint>
#include <string>

namespace claimgate::sdk {

struct ClientConfig {
    /// "https://host:port", or several separated by commas or blanks, tried in order (a URL
    /// that failed rests for a backoff before it is preferred again).
    std::string gateway_url;
    std::string ca_file;       ///< PEM CA that issued the gateway's and this terminal's certs
    std::string cert_file;     ///< terminal certificate (CN=id, O=operator, OU=channel)
    std::string key_file;      ///< terminal private key
    std::string journal_path;  ///< SQLite store-and-forward journal, created when missing
    /// Bounds each whole call (waiting, connecting, retries and failover included); 0 = 5000.
    std::uint32_t timeout_ms = 5000;
};

}  // namespace claimgate::sdk
