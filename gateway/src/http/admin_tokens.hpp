// File: admin_tokens.hpp
// Who may call the mutating admin endpoints (`--admin-token-file`): one `person:token` per line
// (`#` comments and blank lines ignored; tokens of at least 32 characters, at most
// kAdminTokensMax lines). A request authenticates with `Authorization: Bearer <token>`; the
// person becomes the actor of the ledger event it causes.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace claimgate::gateway {

class AdminTokens {
public:
    static protocols::Result<AdminTokens> fromFile(const std::string& path);

    /// The person whose token the Authorization header carries; nullopt if none matches.
    [[nodiscard]] std::optional<std::string> authenticate(
        const std::optional<std::string>& authorization) const;

private:
    std::vector<std::pair<std::string, std::string>> people_;  // person, token
};

}  // namespace claimgate::gateway
