// File: xroad_identifier_checks.hpp (private)
// Segment checks shared by XroadClientId and XroadServiceId.
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/protocols/xroad_limits.hpp>

#include <string>
#include <string_view>

namespace claimgate::protocols::detail {

inline Status checkXroadSegment(const char* what, std::string_view value) {
    if (value.empty()) {
        return {ErrorCode::bad_field,
                std::string("X-Road identifier: empty ") + what,
                {{"field", what}}};
    }
    if (value.size() > kXroadIdentifierLengthMax) {
        return {ErrorCode::bad_field,
                std::string("X-Road identifier: ") + what + " longer than " +
                    std::to_string(kXroadIdentifierLengthMax) + " bytes",
                {{"field", what}}};
    }
    for (const char c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            return {ErrorCode::bad_field,
                    std::string("X-Road identifier: control character in ") + what,
                    {{"field", what}}};
        }
    }
    return Status::okStatus();
}

}  // namespace claimgate::protocols::detail
