// File: xroad_response.hpp
// One HTTP response received from the security server, with helpers for the X-Road response
// headers (PR-REST §4.3).
#pragma once

#include <claimgate/protocols/xroad_error.hpp>
#include <claimgate/protocols/xroad_headers.hpp>

#include <optional>
#include <string>

namespace claimgate::protocols {

struct XroadResponse {
    int status = 0;
    std::string reason;
    XroadHeaders headers;
    std::string body;

    /// The X-Road error, if the response carries X-Road-Error.
    [[nodiscard]] std::optional<XroadError> xroadError() const {
        return parseXroadError(status, headers, body);
    }
    [[nodiscard]] bool isSuccess() const noexcept { return status >= 200 && status < 300; }
    [[nodiscard]] std::string xRoadId() const { return headers.get(kXroadIdHeader).value_or(""); }
    [[nodiscard]] std::string requestId() const {
        return headers.get(kXroadRequestIdHeader).value_or("");
    }
    [[nodiscard]] std::string requestHash() const {
        return headers.get(kXroadRequestHashHeader).value_or("");
    }
};

}  // namespace claimgate::protocols
