// File: xroad_request.hpp
// One encoded X-Road REST request, ready for a transport: method, request target
// ("/r1/TW/GOV/PLATFORM/disburse/rosters/CASH2023?cursor=&limit=500"), headers and body.
// Built by XroadRequestBuilder; transports send it byte for byte.
#pragma once

#include <claimgate/protocols/xroad_headers.hpp>

#include <string>

namespace claimgate::protocols {

struct XroadRequest {
    std::string method = "GET";
    /// Origin-form request target, already percent-encoded.
    std::string target;
    XroadHeaders headers;
    std::string body;
    /// The X-Road-Id header value, kept here too so logs and retries need no header lookup.
    std::string x_road_id;
};

}  // namespace claimgate::protocols
