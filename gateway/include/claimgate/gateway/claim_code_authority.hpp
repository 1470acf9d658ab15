// File: claim_code_authority.hpp
// Mints and checks the codes printed on kiosk slips (contracts §5). A code is 12 random digits
// followed by an 8-digit tag, HMAC(code key, operator || serial) reduced to 8 digits; the code
// key is derived from the pepper, so every node of a deployment agrees. A slip's code is what
// a POS pays by, so it must not be guessable: a random 20-digit string is a valid code of some
// operator with odds 1 in 10^8, and of a live slip with odds ~10^-14, checked before any
// database lookup and with failed lookups rate-limited per terminal.
#pragma once

#include <claimgate/protocols/digest.hpp>

#include <string>
#include <string_view>

namespace claimgate::gateway {

class ClaimCodeAuthority {
public:
    explicit ClaimCodeAuthority(std::string_view pepper);

    /// A fresh code for a slip of `operator_id` (uniqueness is the ledger's check).
    [[nodiscard]] std::string mint(const std::string& operator_id) const;
    /// Digits only, the right length, and a tag this deployment made for `operator_id`.
    [[nodiscard]] bool authentic(const std::string& operator_id, std::string_view code) const;

private:
    [[nodiscard]] std::string tagFor(const std::string& operator_id, std::string_view serial) const;

    std::string key_;
};

}  // namespace claimgate::gateway
