#include <claimgate/protocols/messages.hpp>

#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string>

namespace claimgate::protocols {
namespace {

// An RFC 3339 time on the wire ("2023-04-10T09:00:12.345+08:00" is 29 characters).
constexpr std::size_t kTimestampLengthMax = 40;

// A claimant body's fields as sent, before they are validated. The required strings are
// present once either reader has accepted the body.
struct ClaimantFields {
    std::optional<std::string> program;
    std::optional<std::string> citizen_id;
    std::optional<std::string> channel;
    std::optional<std::string> nhi_card_no;
    std::optional<std::string> proxy_id;
    std::int64_t amount = 0;
};

constexpr std::size_t kClaimantStringLengthMax = 32;

// The body's string members, in the order the full path checks them (its first failure is the
// error reported). One table for both readers, so they cannot disagree on a name, a limit or
// whether a member is required.
struct ClaimantStringMember {
    const char* name;
    std::size_t length_max;
    bool required;
    std::optional<std::string> ClaimantFields::*field;
};
constexpr std::array<ClaimantStringMember, 5> kClaimantStrings = {{
    {"program", kProgramIdLengthMax, true, &ClaimantFields::program},
    {"citizen_id", kClaimantStringLengthMax, true, &ClaimantFields::citizen_id},
    {"channel", kClaimantStringLengthMax, true, &ClaimantFields::channel},
    {"nhi_card_no", kClaimantStringLengthMax, false, &ClaimantFields::nhi_card_no},
    {"proxy_id", kClaimantStringLengthMax, false, &ClaimantFields::proxy_id},
}};

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A string token of printable ASCII without escapes, from the opening quote at `at`; leaves
// `at` past the closing quote. Anything else is left to the full parser.
std::optional<std::string_view> plainString(std::string_view body, std::size_t& at) {
    if (at >= body.size() || body[at] != '"') return std::nullopt;
    const std::size_t first = ++at;
    for (; at < body.size(); ++at) {
        const auto byte = static_cast<unsigned char>(body[at]);
        if (byte == '"') return body.substr(first, at++ - first);
        if (byte < 0x20 || byte >= 0x7f || byte == '\\') return std::nullopt;
    }
    return std::nullopt;
}

// The body every terminal sends, read without building a DOM: one flat object whose members are
// the claimant fields, each once, as plain strings within their limits (and `amount` a plain
// integer in range). Every such body is valid JSON that the full path below reads to the same
// fields without an error. Any other body (whitespace aside) returns nullopt and takes the full
// path, which gives every refusal its documented error: this path refuses nothing itself.
std::optional<ClaimantFields> scanFlatClaimant(std::string_view body, bool with_amount) {
    // One bit per member seen: a string member's table index, then `amount`.
    constexpr unsigned kAmountSeen = 1U << kClaimantStrings.size();
    unsigned required = with_amount ? kAmountSeen : 0U;
    for (std::size_t i = 0; i < kClaimantStrings.size(); ++i) {
        if (kClaimantStrings[i].required) required |= 1U << i;
    }
    ClaimantFields fields;
    unsigned seen = 0;
    std::size_t at = 0;
    const auto skipSpace = [&] {
        while (at < body.size() && isJsonSpace(body[at])) ++at;
    };
    const auto take = [&](char token) {
        skipSpace();
        if (at >= body.size() || body[at] != token) return false;
        ++at;
        return true;
    };
    if (!take('{')) return std::nullopt;
    for (;;) {
        skipSpace();
        const auto key = plainString(body, at);
        if (!key || !take(':')) return std::nullopt;
        skipSpace();
        if (*key == "amount") {
            // Digits only, no leading zero, no sign, fraction or exponent: a JSON integer.
            const std::size_t first = at;
            while (at < body.size() && body[at] >= '0' && body[at] <= '9') ++at;
            std::int64_t amount = 0;
            const auto parsed = std::from_chars(body.data() + first, body.data() + at, amount);
            if (!with_amount || (seen & kAmountSeen) != 0 || at == first || body[first] == '0' ||
                at - first > 10 || parsed.ec != std::errc{} || amount < 1 || amount > kAmountMax) {
                return std::nullopt;
            }
            fields.amount = amount;
            seen |= kAmountSeen;
        } else {
            const auto value = plainString(body, at);
            if (!value || value->empty()) return std::nullopt;
            const auto* member =
                std::find_if(kClaimantStrings.begin(), kClaimantStrings.end(),
                             [&key](const ClaimantStringMember& m) { return *key == m.name; });
            if (member == kClaimantStrings.end()) return std::nullopt;
            const unsigned bit = 1U << static_cast<unsigned>(member - kClaimantStrings.begin());
            if ((seen & bit) != 0 || value->size() > member->length_max) return std::nullopt;
            seen |= bit;
            (fields.*(member->field)).emplace(*value);
        }
        skipSpace();
        if (at < body.size() && body[at] == ',') {
            ++at;
            continue;
        }
        if (!take('}')) return std::nullopt;
        break;
    }
    skipSpace();
    if (at != body.size() || (seen & required) != required) return std::nullopt;
    return fields;
}

Result<ClaimantFields> readClaimantThroughDom(std::string_view body, bool with_amount) {
    auto parsed = parseJsonObject(body);
    if (!parsed) return parsed.status();
    ClaimantFields read;
    JsonFields fields(parsed.value());
    for (const ClaimantStringMember& member : kClaimantStrings) {
        if (!member.required) {
            fields.optionalString(member.name, member.length_max, read.*(member.field));
        } else if (std::string value; fields.requireString(member.name, member.length_max, value)) {
            (read.*(member.field)).emplace(std::move(value));
        }
    }
    if (with_amount) fields.requireInteger("amount", 1, kAmountMax, read.amount);
    if (!fields.ok()) return fields.status();
    return read;
}

Result<ClaimantRequest> decodeClaimant(std::string_view body, bool with_amount) {
    // Eligibility is the node's most frequent request: the flat body terminals send is read in
    // place (docs/performance.md, "The eligibility request read in place"), anything else
    // through nlohmann.
    std::optional<ClaimantFields> scanned = scanFlatClaimant(body, with_amount);
    if (!scanned) {
        auto read = readClaimantThroughDom(body, with_amount);
        if (!read) return read.status();
        scanned = std::move(read.value());
    }
    ClaimantFields& fields = *scanned;
    ClaimantRequest request;
    request.program = std::move(*fields.program);
    request.nhi_card_no = std::move(fields.nhi_card_no);
    request.amount = fields.amount;

    const auto parsed_channel = parseChannel(*fields.channel);
    if (!parsed_channel || !isTerminalChannel(*parsed_channel)) {
        return Status(ErrorCode::bad_field, "channel must be atm, kiosk or counter",
                      {{"field", "channel"}});
    }
    request.channel = *parsed_channel;
    auto id = CitizenId::parse(*fields.citizen_id);
    if (!id) {
        return Status(ErrorCode::invalid_citizen_id, id.status().message(),
                      {{"field", "citizen_id"}});
    }
    request.citizen_id = id->normalised();
    if (fields.proxy_id) {
        auto proxy = CitizenId::parse(*fields.proxy_id);
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
