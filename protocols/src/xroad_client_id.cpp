// File: xroad_client_id.cpp
#include <claimgate/protocols/xroad_client_id.hpp>

#include <claimgate/protocols/xroad_encoding.hpp>
#include <claimgate/protocols/xroad_limits.hpp>

#include "xroad_identifier_checks.hpp"

namespace claimgate::protocols {

Result<XroadClientId> XroadClientId::make(std::string instance, std::string member_class,
                                          std::string member_code,
                                          std::optional<std::string> subsystem) {
    for (const auto& [what, value] :
         {std::pair<const char*, const std::string*>{"instance", &instance},
          {"member class", &member_class},
          {"member code", &member_code}}) {
        if (auto status = detail::checkXroadSegment(what, *value); !status.ok()) {
            return status;
        }
    }
    if (subsystem) {
        if (auto status = detail::checkXroadSegment("subsystem", *subsystem); !status.ok()) {
            return status;
        }
    }
    XroadClientId id;
    id.instance_ = std::move(instance);
    id.member_class_ = std::move(member_class);
    id.member_code_ = std::move(member_code);
    id.subsystem_ = std::move(subsystem);
    return id;
}

Result<XroadClientId> XroadClientId::parse(std::string_view header_value) {
    if (header_value.size() > kXroadHeaderValueLengthMax) {
        return Status{ErrorCode::bad_field, "X-Road-Client header too long"};
    }
    auto segments = splitEncodedPath(header_value);
    if (!segments) {
        return Status{ErrorCode::bad_field, "X-Road-Client: bad percent-encoding"};
    }
    if (segments->size() != 3 && segments->size() != 4) {
        return Status{ErrorCode::bad_field,
                      "X-Road-Client must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM], got " +
                          std::to_string(segments->size()) + " segments"};
    }
    auto& parts = *segments;
    std::optional<std::string> subsystem;
    if (parts.size() == 4) {
        subsystem = std::move(parts[3]);
    }
    auto id = make(std::move(parts[0]), std::move(parts[1]), std::move(parts[2]),
                   std::move(subsystem));
    // The limit holds for the form we send, not only the form we read: raw bytes that we
    // percent-encode (non-ASCII, reserved characters) make the header up to three times longer,
    // and an id we accept must parse again from our own header (found by make fuzz, xroad).
    if (id.ok() && id->headerValue().size() > kXroadHeaderValueLengthMax) {
        return Status{ErrorCode::bad_field, "X-Road-Client header too long once percent-encoded"};
    }
    return id;
}

std::string XroadClientId::headerValue() const {
    std::string out = percentEncodeSegment(instance_) + '/' + percentEncodeSegment(member_class_) +
                      '/' + percentEncodeSegment(member_code_);
    if (subsystem_) {
        out += '/' + percentEncodeSegment(*subsystem_);
    }
    return out;
}

}  // namespace claimgate::protocols
