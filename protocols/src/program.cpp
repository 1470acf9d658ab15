#include <claimgate/protocols/program.hpp>

#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <algorithm>

namespace claimgate::protocols {
namespace {

Status badField(const char* field, std::string message) {
    return Status(ErrorCode::bad_field, std::move(message), {{"field", field}});
}

bool isProgramIdCharacter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

}  // namespace

bool Program::allowsChannel(Channel channel) const noexcept {
    return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

Result<Program> Program::fromJson(std::string_view text) {
    auto value = parseJsonObject(text);
    if (!value) return value.status();
    return fromJsonValue(value.value());
}

Result<Program> Program::fromJsonValue(const nlohmann::json& value) {
    if (!value.is_object()) {
        return Status(ErrorCode::malformed_json, "program must be a JSON object");
    }
    Program program;
    JsonFields fields(value);
    std::optional<std::string> currency;
    std::optional<std::int64_t> hold_ttl, kiosk_hold_ttl;
    fields.requireString("id", kProgramIdLengthMax, program.id);
    fields.requireString("name", 256, program.name);
    fields.requireInteger("amount", 1, kAmountMax, program.amount);
    fields.optionalString("currency", 3, currency);
    fields.requireString("opens_at", 64, program.opens_at);
    fields.requireString("closes_at", 64, program.closes_at);
    fields.optionalInteger("hold_ttl_s", 1, kHoldTtlSecondsMax, hold_ttl);
    fields.optionalInteger("kiosk_hold_ttl_s", 1, kHoldTtlSecondsMax, kiosk_hold_ttl);
    if (!fields.ok()) return fields.status();

    if (!std::all_of(program.id.begin(), program.id.end(), isProgramIdCharacter)) {
        return badField("id", "id may hold only letters, digits, '_' and '-'");
    }
    if (currency) program.currency = *currency;
    if (hold_ttl) program.hold_ttl_s = static_cast<std::uint32_t>(*hold_ttl);
    program.kiosk_hold_ttl_s = kiosk_hold_ttl ? static_cast<std::uint32_t>(*kiosk_hold_ttl)
                                              : std::max<std::uint32_t>(program.hold_ttl_s, 1800);
    const auto opens = parseRfc3339Millis(program.opens_at);
    if (!opens) return badField("opens_at", "opens_at must be an RFC 3339 timestamp");
    const auto closes = parseRfc3339Millis(program.closes_at);
    if (!closes) return badField("closes_at", "closes_at must be an RFC 3339 timestamp");
    if (*closes <= *opens) return badField("closes_at", "closes_at must be after opens_at");
    program.opens_at_millis = *opens;
    program.closes_at_millis = *closes;

    const auto channels = value.find("channels");
    if (channels == value.end() || channels->is_null()) {
        return Status(ErrorCode::missing_field, "channels is required", {{"field", "channels"}});
    }
    if (!channels->is_array() || channels->empty() || channels->size() > 3) {
        return badField("channels", "channels must list 1..3 of atm, kiosk, counter");
    }
    for (const auto& entry : *channels) {
        const auto channel =
            entry.is_string() ? parseChannel(entry.get<std::string>()) : std::nullopt;
        if (!channel || !isTerminalChannel(*channel)) {
            return badField("channels", "channels must list 1..3 of atm, kiosk, counter");
        }
        if (!program.allowsChannel(*channel)) program.channels.push_back(*channel);
    }

    const auto excludes = value.find("excludes");
    if (excludes != value.end() && !excludes->is_null()) {
        if (!excludes->is_array() || excludes->size() > kProgramExcludesMax) {
            return badField("excludes", "excludes must be an array of program ids");
        }
        for (const auto& entry : *excludes) {
            if (!entry.is_string() || entry.get<std::string>().empty() ||
                entry.get<std::string>() == program.id) {
                return badField("excludes", "excludes must name other program ids");
            }
            program.excludes.push_back(entry.get<std::string>());
        }
    }
    return program;
}

nlohmann::json Program::toJson() const {
    nlohmann::json channel_names = nlohmann::json::array();
    for (const Channel channel : channels) channel_names.push_back(channelName(channel));
    return {{"id", id},
            {"name", name},
            {"amount", amount},
            {"currency", currency},
            {"channels", channel_names},
            {"opens_at", opens_at},
            {"closes_at", closes_at},
            {"hold_ttl_s", hold_ttl_s},
            {"kiosk_hold_ttl_s", kiosk_hold_ttl_s},
            {"excludes", excludes}};
}

}  // namespace claimgate::protocols
