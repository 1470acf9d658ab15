// File: domain.hpp
// The small enumerations of contracts §3 (channels, claim states, claim_by) and their wire names.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace claimgate::protocols {

enum class Channel : std::uint8_t {
    atm = 0,
    kiosk = 1,
    counter = 2,
    direct_deposit = 3,
    registered_deposit = 4,
    registry = 5,
};
inline constexpr std::size_t kChannelCount = 6;

[[nodiscard]] std::string_view channelName(Channel channel) noexcept;
[[nodiscard]] std::optional<Channel> parseChannel(std::string_view name) noexcept;
/// atm, kiosk and counter: the channels a terminal certificate may carry.
[[nodiscard]] bool isTerminalChannel(Channel channel) noexcept;

enum class ClaimStatus : std::uint8_t {
    none = 0,  // no claim yet (eligibility answers only)
    held = 1,
    in_doubt = 2,
    paid = 3,
    voided = 4,
};

[[nodiscard]] std::string_view claimStatusName(ClaimStatus status) noexcept;
[[nodiscard]] std::optional<ClaimStatus> parseClaimStatus(std::string_view name) noexcept;
/// held, in_doubt and paid block the citizen from another claim (contracts invariant 1).
[[nodiscard]] constexpr bool blocksCitizen(ClaimStatus status) noexcept {
    return status == ClaimStatus::held || status == ClaimStatus::in_doubt ||
           status == ClaimStatus::paid;
}

enum class ClaimBy : std::uint8_t { self = 0, proxy = 1, either = 2 };

[[nodiscard]] std::string_view claimByName(ClaimBy claim_by) noexcept;
[[nodiscard]] std::optional<ClaimBy> parseClaimBy(std::string_view name) noexcept;

}  // namespace claimgate::protocols
