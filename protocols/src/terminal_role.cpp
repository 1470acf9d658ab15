#include <claimgate/protocols/terminal_role.hpp>

#include <array>

namespace claimgate::protocols {
namespace {

constexpr std::array<std::string_view, 4> kTerminalRoleNames = {"atm", "kiosk", "pos", "counter"};

}  // namespace

std::string_view terminalRoleName(TerminalRole role) noexcept {
    return kTerminalRoleNames[static_cast<std::size_t>(role)];
}

std::optional<TerminalRole> parseTerminalRole(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kTerminalRoleNames.size(); ++i) {
        if (kTerminalRoleNames[i] == name) return static_cast<TerminalRole>(i);
    }
    return std::nullopt;
}

Channel channelOfRole(TerminalRole role) noexcept {
    switch (role) {
        case TerminalRole::atm:
            return Channel::atm;
        case TerminalRole::kiosk:
            return Channel::kiosk;
        case TerminalRole::pos:
            return Channel::kiosk;
        case TerminalRole::counter:
            return Channel::counter;
    }
    return Channel::atm;  // unreachable: every enumerator is handled above
}

bool roleMayReserve(TerminalRole role) noexcept { return role != TerminalRole::pos; }

}  // namespace claimgate::protocols
