// File: xroad_service_id.cpp
#include <claimgate/protocols/xroad_service_id.hpp>

#include <claimgate/protocols/xroad_encoding.hpp>
#include <claimgate/protocols/xroad_limits.hpp>

#include "xroad_identifier_checks.hpp"

namespace claimgate::protocols {

Result<XroadServiceId> XroadServiceId::make(std::string instance, std::string member_class,
                                            std::string member_code, std::string subsystem,
                                            std::string service_code) {
    for (const auto& [what, value] :
         {std::pair<const char*, const std::string*>{"instance", &instance},
          {"member class", &member_class},
          {"member code", &member_code},
          {"subsystem", &subsystem},
          {"service code", &service_code}}) {
        if (auto status = detail::checkXroadSegment(what, *value); !status.ok()) {
            return status;
        }
    }
    XroadServiceId id;
    id.instance_ = std::move(instance);
    id.member_class_ = std::move(member_class);
    id.member_code_ = std::move(member_code);
    id.subsystem_ = std::move(subsystem);
    id.service_code_ = std::move(service_code);
    return id;
}

Result<XroadServiceId> XroadServiceId::parse(std::string_view text) {
    if (text.size() > kXroadHeaderValueLengthMax) {
        return Status{ErrorCode::bad_field, "X-Road service identifier too long"};
    }
    auto segments = splitEncodedPath(text);
    if (!segments) {
        return Status{ErrorCode::bad_field, "X-Road service identifier: bad percent-encoding"};
    }
    if (segments->size() != 5) {
        return Status{ErrorCode::bad_field,
                      "X-Road service identifier must be INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE"};
    }
    auto& parts = *segments;
    auto id = make(std::move(parts[0]), std::move(parts[1]), std::move(parts[2]),
                   std::move(parts[3]), std::move(parts[4]));
    // As for client ids: the limit holds for the percent-encoded form we send as well.
    if (id.ok() && id->encoded().size() > kXroadHeaderValueLengthMax) {
        return Status{ErrorCode::bad_field,
                      "X-Road service identifier too long once percent-encoded"};
    }
    return id;
}

std::string XroadServiceId::encoded() const {
    return percentEncodeSegment(instance_) + '/' + percentEncodeSegment(member_class_) + '/' +
           percentEncodeSegment(member_code_) + '/' + percentEncodeSegment(subsystem_) + '/' +
           percentEncodeSegment(service_code_);
}

}  // namespace claimgate::protocols
