#include <claimgate/protocols/domain.hpp>

#include <array>

namespace claimgate::protocols {
namespace {

constexpr std::array<std::string_view, kChannelCount> kChannelNames = {
    "atm", "kiosk", "counter", "direct_deposit", "registered_deposit", "registry"};
constexpr std::array<std::string_view, 5> kClaimStatusNames = {"none", "held", "in_doubt", "paid",
                                                               "voided"};
constexpr std::array<std::string_view, 3> kClaimByNames = {"self", "proxy", "either"};

template <typename Enum, std::size_t N>
std::optional<Enum> parseByName(const std::array<std::string_view, N>& names,
                                std::string_view name) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == name) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view channelName(Channel channel) noexcept {
    return kChannelNames[static_cast<std::size_t>(channel)];
}
std::optional<Channel> parseChannel(std::string_view name) noexcept {
    return parseByName<Channel>(kChannelNames, name);
}
bool isTerminalChannel(Channel channel) noexcept {
    return channel == Channel::atm || channel == Channel::kiosk || channel == Channel::counter;
}

std::string_view claimStatusName(ClaimStatus status) noexcept {
    return kClaimStatusNames[static_cast<std::size_t>(status)];
}
std::optional<ClaimStatus> parseClaimStatus(std::string_view name) noexcept {
    return parseByName<ClaimStatus>(kClaimStatusNames, name);
}

std::string_view claimByName(ClaimBy claim_by) noexcept {
    return kClaimByNames[static_cast<std::size_t>(claim_by)];
}
std::optional<ClaimBy> parseClaimBy(std::string_view name) noexcept {
    return parseByName<ClaimBy>(kClaimByNames, name);
}

}  // namespace claimgate::protocols
