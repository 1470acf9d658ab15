// File: program.hpp
// A payout programme (contracts §3, program file of §11).
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::protocols {

struct Program {
    std::string id;
    std::string name;
    std::int64_t amount = 0;
    std::string currency = "TWD";
    std::vector<Channel> channels;
    std::string opens_at;  // RFC 3339 as given; the *_millis fields are what code compares
    std::string closes_at;
    std::int64_t opens_at_millis = 0;
    std::int64_t closes_at_millis = 0;
    std::uint32_t hold_ttl_s = 120;
    std::uint32_t kiosk_hold_ttl_s = 1800;
    std::vector<std::string> excludes;

    [[nodiscard]] bool allowsChannel(Channel channel) const noexcept;
    [[nodiscard]] bool isOpenAt(std::int64_t unix_millis) const noexcept {
        return unix_millis >= opens_at_millis && unix_millis <= closes_at_millis;
    }
    /// The hold TTL a claim from this channel gets: kiosk slips wait for the store counter.
    [[nodiscard]] std::uint32_t holdTtlSecondsFor(Channel channel) const noexcept {
        return channel == Channel::kiosk ? kiosk_hold_ttl_s : hold_ttl_s;
    }

    /// Decodes and validates a program file / JSON object; errors name the field.
    static Result<Program> fromJson(std::string_view text);
    static Result<Program> fromJsonValue(const nlohmann::json& value);
    [[nodiscard]] nlohmann::json toJson() const;
};

}  // namespace claimgate::protocols
