// File: xroad_request_builder.cpp
#include <claimgate/protocols/xroad_request_builder.hpp>

#include <claimgate/protocols/xroad_encoding.hpp>
#include <claimgate/protocols/xroad_id.hpp>
#include <claimgate/protocols/xroad_limits.hpp>

#include <array>

namespace claimgate::protocols {
namespace {

// The verbs a security server accepts (RestRequest.Verb).
constexpr std::array<std::string_view, 8> kXroadMethods = {"GET",   "POST", "PUT",     "DELETE",
                                                           "PATCH", "HEAD", "OPTIONS", "TRACE"};

Status checkHeaderValue(std::string_view name, std::string_view value) {
    if (value.size() > kXroadHeaderValueLengthMax) {
        return {ErrorCode::bad_field,
                std::string(name) + " header value too long",
                {{"header", std::string(name)}}};
    }
    for (const char c : value) {
        // CR or LF would let a value inject headers; other controls are not valid field text.
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) {
            return {ErrorCode::bad_field,
                    std::string(name) + " header value has a control character",
                    {{"header", std::string(name)}}};
        }
    }
    return Status::okStatus();
}

bool isXroadHeaderName(std::string_view name) {
    return name.size() >= 7 && headerNameEquals(name.substr(0, 7), "X-Road-");
}

}  // namespace

std::string XroadRequestBuilder::targetFor(const XroadCall& call) {
    std::string target =
        "/r" + std::to_string(kXroadProtocolVersion) + "/" + call.service.encoded();
    for (const auto& segment : call.path_segments) {
        target += '/';
        target += percentEncodeSegment(segment);
    }
    if (!call.query.empty()) {
        target += '?';
        target += encodeQuery(call.query);
    }
    return target;
}

Result<XroadRequest> XroadRequestBuilder::build(const XroadCall& call) const {
    return build(call, newXroadId());
}

Result<XroadRequest> XroadRequestBuilder::build(const XroadCall& call,
                                                const std::string& x_road_id) const {
    bool known_method = false;
    for (const auto method : kXroadMethods) {
        known_method = known_method || call.method == method;
    }
    if (!known_method) {
        return Status{ErrorCode::bad_field, "HTTP method not accepted by X-Road: " + call.method};
    }
    if (call.service.serviceCode().empty() || call.service.subsystem().empty()) {
        return Status{ErrorCode::bad_field, "X-Road call without a complete service identifier"};
    }
    if (client_.instance().empty()) {
        return Status{ErrorCode::bad_field, "X-Road call without a client identifier"};
    }
    XroadRequest request;
    request.method = call.method;
    request.target = targetFor(call);
    if (request.target.size() > kXroadTargetLengthMax) {
        return Status{ErrorCode::bad_field, "X-Road request target longer than " +
                                                std::to_string(kXroadTargetLengthMax) +
                                                " characters"};
    }
    request.x_road_id = x_road_id;
    request.body = call.body;

    auto add = [&](std::string_view name, const std::string& value) -> Status {
        if (auto status = checkHeaderValue(name, value); !status.ok()) {
            return status;
        }
        request.headers.set(name, value);
        return Status::okStatus();
    };
    Status status = add(kXroadClientHeader, client_.headerValue());
    if (status.ok()) {
        status = add(kXroadIdHeader, x_road_id);
    }
    if (status.ok() && call.user_id) {
        status = add(kXroadUserIdHeader, *call.user_id);
    }
    if (status.ok() && call.issue) {
        status = add(kXroadIssueHeader, *call.issue);
    }
    if (status.ok() && !call.accept.empty()) {
        status = add("Accept", call.accept);
    }
    if (status.ok() && !call.body.empty()) {
        status = add("Content-Type", call.content_type.empty() ? std::string("application/json")
                                                               : call.content_type);
    }
    for (const auto& header : call.extra_headers) {
        if (!status.ok()) {
            break;
        }
        // X-Road headers belong to the builder (client identity, message id); letting a caller
        // set them would defeat the fresh-id and single-client guarantees.
        if (isXroadHeaderName(header.name) || headerNameEquals(header.name, "Content-Type") ||
            headerNameEquals(header.name, "Accept")) {
            return Status{ErrorCode::bad_field,
                          "extra header would override a builder header: " + header.name};
        }
        status = add(header.name, header.value);
    }
    if (!status.ok()) {
        return status;
    }
    return request;
}

}  // namespace claimgate::protocols
