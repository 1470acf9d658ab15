// File: terminal_authenticator.hpp
// Terminal identity from its client certificate (contracts §3): CN = terminal id, O = operator,
// OU = channel. The TLS layer has already verified the chain against our CA; this adds what
// POCO cannot: the subject rules and the CRL (a revoked terminal gets 403 terminal_revoked, a
// clear answer rather than a dropped handshake).
#pragma once

#include <claimgate/protocols/status.hpp>

#include <claimgate/ledger/ledger_operation.hpp>

#include <memory>
#include <set>
#include <string>

namespace Poco::Net {
class X509Certificate;
}

namespace claimgate::gateway {

class TerminalAuthenticator {
public:
    /// Loads the revoked serial numbers from a PEM CRL; an empty path means no CRL.
    static protocols::Result<std::shared_ptr<TerminalAuthenticator>> fromCrlFile(
        const std::string& crl_path);

    [[nodiscard]] protocols::Result<TerminalIdentity> identify(
        const Poco::Net::X509Certificate& certificate) const;
    [[nodiscard]] std::size_t revokedCount() const { return revoked_serials_.size(); }
    /// The CRL's nextUpdate (unix seconds), 0 when it has none: exported so an alert fires
    /// before terminals are judged against a stale list.
    [[nodiscard]] std::int64_t crlNextUpdateSeconds() const { return crl_next_update_seconds_; }

private:
    std::set<std::string> revoked_serials_;  // hex, upper case
    std::int64_t crl_next_update_seconds_ = 0;
};

}  // namespace claimgate::gateway
