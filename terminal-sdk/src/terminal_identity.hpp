// File: terminal_identity.hpp
// Who this client is: read from the terminal certificate (contracts §3: CN=terminal id,
// O=operator, OU=channel). The gateway decides by the same certificate; reading it here lets
// the SDK send the right channel and refuse a wrong file at open instead of at the first claim.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <string>

namespace claimgate::sdk {

struct TerminalIdentity {
    std::string terminal_id;
    std::string operator_id;
    std::string channel;  ///< "atm", "kiosk" or "counter"

    /// Fails with bad_field and a message naming the file and what is wrong.
    static protocols::Result<TerminalIdentity> fromCertificateFile(const std::string& path);
};

}  // namespace claimgate::sdk
