// File: terminal_role.hpp
// What a terminal certificate lets its holder do (contracts §3): the certificate's OU names the
// role. A POS till (`OU=pos`) works in the kiosk channel but only pays kiosk slips; it never
// reserves. Kept apart from Channel because a channel is where a claim was made and a role is
// who is asking.
#pragma once

#include <claimgate/protocols/domain.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace claimgate::protocols {

enum class TerminalRole : std::uint8_t {
    atm = 0,
    kiosk = 1,
    pos = 2,
    counter = 3,
};

/// The certificate OU of the role: "atm", "kiosk", "pos" or "counter".
[[nodiscard]] std::string_view terminalRoleName(TerminalRole role) noexcept;
/// Parses a certificate OU; nullopt for anything that is not a terminal role.
[[nodiscard]] std::optional<TerminalRole> parseTerminalRole(std::string_view name) noexcept;
/// The channel the role works in: a POS pays kiosk slips, so its channel is kiosk.
[[nodiscard]] Channel channelOfRole(TerminalRole role) noexcept;
/// Whether the role may ask eligibility and reserve (every role but the POS).
[[nodiscard]] bool roleMayReserve(TerminalRole role) noexcept;

}  // namespace claimgate::protocols
