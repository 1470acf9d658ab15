// File: xroad_client_id.hpp
// The X-Road client identifier carried in the X-Road-Client header (PR-REST §4.3):
// INSTANCE/CLASS/MEMBER[/SUBSYSTEM], each segment percent-encoded on its own.
//
//   auto id = XroadClientId::parse("TW/GOV/CLAIMGATE/gateway");
//   id->headerValue();   // "TW/GOV/CLAIMGATE/gateway"
#pragma once

#include <claimgate/protocols/status.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace claimgate::protocols {

class XroadClientId {
public:
    /// An empty identifier (all segments empty); only make() and parse() give valid ones.
    XroadClientId() = default;

    /// Validates that each segment is non-empty and at most kXroadIdentifierLengthMax bytes.
    static Result<XroadClientId> make(std::string instance, std::string member_class,
                                      std::string member_code,
                                      std::optional<std::string> subsystem = std::nullopt);

    /// Parses a header value (3 or 4 percent-encoded segments). Errors: bad_field.
    static Result<XroadClientId> parse(std::string_view header_value);

    [[nodiscard]] const std::string& instance() const noexcept { return instance_; }
    [[nodiscard]] const std::string& memberClass() const noexcept { return member_class_; }
    [[nodiscard]] const std::string& memberCode() const noexcept { return member_code_; }
    [[nodiscard]] const std::optional<std::string>& subsystem() const noexcept {
        return subsystem_;
    }

    /// The header value, segments percent-encoded.
    [[nodiscard]] std::string headerValue() const;

    friend bool operator==(const XroadClientId&, const XroadClientId&) = default;

private:
    std::string instance_;
    std::string member_class_;
    std::string member_code_;
    std::optional<std::string> subsystem_;
};

}  // namespace claimgate::protocols
