// File: client_config.hpp
// Files and endpoint of one terminal's client (C++ face of cg_config).
#pragma once

#include <cstdint>
#include <string>

namespace claimgate::sdk {

struct ClientConfig {
    std::string gateway_url;   ///< "https://host:port"
    std::string ca_file;       ///< PEM CA of the gateway's certificate
    std::string cert_file;     ///< terminal certificate (CN=id, O=operator, OU=channel)
    std::string key_file;      ///< terminal private key
    std::string journal_path;  ///< SQLite store-and-forward journal, created when missing
    std::uint32_t timeout_ms = 5000;  ///< per HTTP exchange
};

}  // namespace claimgate::sdk
