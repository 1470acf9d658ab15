// File: xroad_service_id.hpp
// The X-Road service identifier of a REST call: INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE. The
// specification calls the subsystem optional, but the security server implementation needs all
// five segments (RestRequest.decodeIdentifiers), so this type always has them.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <string>
#include <string_view>

namespace claimgate::protocols {

class XroadServiceId {
public:
    /// An empty identifier (all segments empty); only make() and parse() give valid ones.
    XroadServiceId() = default;

    /// Validates that each segment is non-empty and at most kXroadIdentifierLengthMax bytes.
    static Result<XroadServiceId> make(std::string instance, std::string member_class,
                                       std::string member_code, std::string subsystem,
                                       std::string service_code);

    /// Parses "INST/CLASS/MEMBER/SUBSYSTEM/SERVICE" (percent-encoded segments), e.g. the value
    /// of an X-Road-Service response header. Errors: bad_field.
    static Result<XroadServiceId> parse(std::string_view text);

    [[nodiscard]] const std::string& instance() const noexcept { return instance_; }
    [[nodiscard]] const std::string& memberClass() const noexcept { return member_class_; }
    [[nodiscard]] const std::string& memberCode() const noexcept { return member_code_; }
    [[nodiscard]] const std::string& subsystem() const noexcept { return subsystem_; }
    [[nodiscard]] const std::string& serviceCode() const noexcept { return service_code_; }

    /// "INST/CLASS/MEMBER/SUBSYSTEM/SERVICE", segments percent-encoded (no leading slash).
    [[nodiscard]] std::string encoded() const;

    friend bool operator==(const XroadServiceId&, const XroadServiceId&) = default;

private:
    std::string instance_;
    std::string member_class_;
    std::string member_code_;
    std::string subsystem_;
    std::string service_code_;
};

}  // namespace claimgate::protocols
