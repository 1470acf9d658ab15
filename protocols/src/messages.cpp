#include <claimgate/protocols/messages.hpp>

#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/time_format.hpp>

namespace claimgate::protocols {
namespace {

// An RFC 3339 time on the wire ("2023-04-10T09:00:12.345+08:00" is 29 characters).
constexpr std::size_t kTimestampLengthMax = 40;

Result<ClaimantRequest> decodeClaimant(std::string_view body, bool with_amount) {
    auto parsed = parseJsonObject(body);
    if (!parsed) return parsed.status();
    const nlohmann::json& object = parsed.value();
    ClaimantRequest request;
    JsonFields fields(object);
    std::string citizen_id, channel;
    fields.requireString("program", kProgramIdLengthMax, request.program);
    fields.requireString("citizen_id", 32, citizen_id);
    fields.requireString("channel", 32, channel);
    fields.optionalString("nhi_card_no", 32, request.nhi_card_no);
    std::optional<std::string> proxy_id;
    fields.optionalString("proxy_id", 32, proxy_id);
    if (with_amount) fields.requireInteger("amount", 1, kAmountMax, request.amount);
    if (!fields.ok()) return fields.status();

    const auto parsed_channel = parseChannel(channel);
    if (!parsed_channel || !isTerminalChannel(*parsed_channel)) {
        return Status(ErrorCode::bad_field, "channel must be atm, kiosk or counter",
                      {{"field", "channel"}});
    }
    request.channel = *parsed_channel;
    auto id = CitizenId::parse(citizen_id);
    if (!id) {
        return Status(ErrorCode::invalid_citizen_id, id.status().message(),
                      {{"field", "citizen_id"}});
    }
    request.citizen_id = id->normalised();
    if (proxy_id) {
        auto proxy = CitizenId::parse(*proxy_id);
        if (!proxy) {
            return Status(ErrorCode::invalid_citizen_id, "proxy_id: " + proxy.status().message(),
                          {{"field", "proxy_id"}});
        }
        request.proxy_id = proxy->normalised();
    }
    if (request.nhi_card_no) {
        Status nhi = validateNhiCardNumber(*request.nhi_card_no);
        if (!nhi.ok()) return nhi;
    }
    return request;
}

}  // namespace

nlohmann::json ClaimantRequest::toJson() const {
    nlohmann::json object = {
        {"program", program}, {"citizen_id", citizen_id}, {"channel", channelName(channel)}};
    if (nhi_card_no) object["nhi_card_no"] = *nhi_card_no;
    if (proxy_id) object["proxy_id"] = *proxy_id;
    if (amount != 0) object["amount"] = amount;
    return object;
}

nlohmann::json CommitRequest::toJson() const {
    nlohmann::json json = {{"amount", amount}, {"terminal_ref", terminal_ref}};
    if (dispensed_at) json["dispensed_at"] = formatRfc3339Millis(*dispensed_at);
    return json;
}

nlohmann::json VoidRequest::toJson() const { return {{"reason", reason}}; }

Result<ClaimantRequest> decodeEligibilityRequest(std::string_view body) {
    return decodeClaimant(body, false);
}

Result<ClaimantRequest> decodeClaimRequest(std::string_view body) {
    return decodeClaimant(body, true);
}

Result<CommitRequest> decodeCommitRequest(std::string_view body) {
    auto parsed = parseJsonObject(body);
    if (!parsed) return parsed.status();
    CommitRequest request;
    JsonFields fields(parsed.value());
    fields.requireInteger("amount", 1, kAmountMax, request.amount);
    fields.requireString("terminal_ref", kTerminalRefLengthMax, request.terminal_ref);
    std::optional<std::string> dispensed_at;
    fields.optionalString("dispensed_at", kTimestampLengthMax, dispensed_at);
    if (!fields.ok()) return fields.status();
    if (dispensed_at) {
        request.dispensed_at = parseRfc3339Millis(*dispensed_at);
        if (!request.dispensed_at) {
            return Status(ErrorCode::bad_field, "dispensed_at must be an RFC 3339 time",
                          {{"field", "dispensed_at"}});
        }
    }
    return request;
}

Result<VoidRequest> decodeVoidRequest(std::string_view body) {
    auto parsed = parseJsonObject(body);
    if (!parsed) return parsed.status();
    VoidRequest request;
    JsonFields fields(parsed.value());
    fields.requireString("reason", kReasonLengthMax, request.reason);
    if (!fields.ok()) return fields.status();
    return request;
}

std::string encodeErrorEnvelope(const Status& status) {
    nlohmann::json envelope = {{"error",
                                {{"code", errorCodeName(status.code())},
                                 {"message", status.message()},
                                 {"detail", status.detail()}}}};
    return envelope.dump();
}

std::optional<Status> decodeErrorEnvelope(std::string_view body) {
    const auto value = nlohmann::json::parse(body, nullptr, false);
    if (value.is_discarded() || !value.is_object() || !value.contains("error") ||
        !value["error"].is_object()) {
        return std::nullopt;
    }
    // Read members by type: json::value() throws on a wrongly typed member, and a peer's
    // malformed reply must not throw out of protocols.
    const auto& error = value["error"];
    const auto member = [&error](const char* name) -> const nlohmann::json* {
        const auto found = error.find(name);
        return found == error.end() ? nullptr : &*found;
    };
    const nlohmann::json* code = member("code");
    const nlohmann::json* message = member("message");
    const nlohmann::json* detail = member("detail");
    const auto parsed = code != nullptr && code->is_string()
                            ? parseErrorCode(code->get_ref<const std::string&>())
                            : std::nullopt;
    return Status(
        parsed.value_or(ErrorCode::internal),
        message != nullptr && message->is_string() ? message->get<std::string>() : std::string(),
        detail != nullptr && detail->is_object() ? *detail : nlohmann::json::object());
}

}  // namespace claimgate::protocols
