// File: xroad_request_builder.hpp
// Builds X-Road REST r1 requests for one client identity (PR-REST §4):
//
//   XroadRequestBuilder builder(client_id);
//   XroadCall call;
//   call.service = platform_service("rosters");
//   call.path_segments = {"CASH2023"};
//   call.query = {{"cursor", ""}, {"limit", "500"}};
//   auto request = builder.build(call);   // fresh X-Road-Id every time
//
// Thread-safe: build() only reads the builder.
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/protocols/xroad_client_id.hpp>
#include <claimgate/protocols/xroad_headers.hpp>
#include <claimgate/protocols/xroad_request.hpp>
#include <claimgate/protocols/xroad_service_id.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace claimgate::protocols {

/// What the caller wants to invoke; the builder turns it into an XroadRequest.
struct XroadCall {
    std::string method = "GET";
    XroadServiceId service;
    /// Appended after the service code, each percent-encoded on its own ('/' becomes %2F).
    std::vector<std::string> path_segments;
    /// Query parameters, encoded by the builder (the SS passes the query unmodified).
    std::vector<std::pair<std::string, std::string>> query;
    std::string body;
    std::string content_type;  // set when body is not empty
    std::string accept = "application/json";
    std::optional<std::string> user_id;  // X-Road-UserId, e.g. "TWA123456789" (never a citizen's)
    std::optional<std::string> issue;    // X-Road-Issue, e.g. a batch id
    /// Extra end-to-end headers (passed unmodified by the SS), e.g. X-Claimgate-Signature.
    std::vector<XroadHeader> extra_headers;
};

class XroadRequestBuilder {
public:
    explicit XroadRequestBuilder(XroadClientId client) : client_(std::move(client)) {}

    /// Encodes the call with a fresh X-Road-Id. Errors (bad_field): method not one of the
    /// verbs X-Road accepts, target longer than kXroadTargetLengthMax, header values with CR/LF
    /// or longer than kXroadHeaderValueLengthMax, extra headers that would override an X-Road
    /// header.
    [[nodiscard]] Result<XroadRequest> build(const XroadCall& call) const;

    /// The same, with a caller-chosen X-Road-Id (for golden tests and deliberate retries).
    [[nodiscard]] Result<XroadRequest> build(const XroadCall& call,
                                             const std::string& x_road_id) const;

    [[nodiscard]] const XroadClientId& client() const noexcept { return client_; }

    /// "/r1/" + service.encoded() + "/" + encoded segments + ("?" + query).
    [[nodiscard]] static std::string targetFor(const XroadCall& call);

private:
    XroadClientId client_;
};

}  // namespace claimgate::protocols
