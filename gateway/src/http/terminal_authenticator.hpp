// File: terminal_authenticator.hpp
// Terminal identity from its client certificate (contracts §3): CN = terminal id, O = operator,
// OU = channel. The TLS layer has already verified the chain against our CA; this adds the
// subject rules and the CRL (a revoked terminal gets 403 terminal_revoked, a clear answer
// rather than a dropped handshake). Immutable once made: a reload makes a new one.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <claimgate/ledger/ledger_operation.hpp>

#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>

namespace claimgate::gateway {

class TerminalAuthenticator {
public:
    /// A CRL that verifies: issued by a certificate of the CA bundle (issuer name match), signed
    /// by its key. An empty `crl_path` means no CRL. Errors name the reason (unreadable,
    /// foreign issuer, bad signature); staleness is not an error here (see isStale()).
    static protocols::Result<std::shared_ptr<TerminalAuthenticator>> fromFiles(
        const std::string& ca_bundle_path, const std::string& crl_path);

    [[nodiscard]] protocols::Result<TerminalIdentity> identify(const X509* certificate) const;
    [[nodiscard]] bool isRevoked(const X509* certificate) const;
    [[nodiscard]] std::size_t revokedCount() const { return revoked_serials_.size(); }
    /// nextUpdate of the CRL in seconds since the epoch; 0 = no CRL or no nextUpdate.
    [[nodiscard]] std::int64_t nextUpdateEpochSeconds() const { return next_update_s_; }
    /// True when the CRL's nextUpdate has passed (`now_s` seconds since the epoch).
    [[nodiscard]] bool isStale(std::int64_t now_s) const {
        return next_update_s_ != 0 && now_s > next_update_s_;
    }

private:
    std::set<std::string> revoked_serials_;  // hex, upper case
    std::int64_t next_update_s_ = 0;
};

}  // namespace claimgate::gateway
