// File: platform_reply.hpp
// What every PlatformClient call returns besides the decoded value: the outcome of the detached
// signature check and the evidence of the exchange (what the transfer log records).
#pragma once

#include <string>

namespace claimgate::troad {

struct SignatureCheck {
    bool present = false;   // X-Claimgate-Signature was sent
    bool verified = false;  // and it verifies over the exact body with the expected key
    std::string key_id;     // X-Claimgate-Key-Id as sent
};

struct ExchangeRecord {
    std::string x_road_id;        // ours (fresh per call)
    std::string request_id;       // X-Road-Request-Id from the security server
    std::string request_hash;     // X-Road-Request-Hash (opaque evidence)
    std::string service;          // e.g. "TW/GOV/PLATFORM/disburse/rosters"
    std::string request_sha256;   // hex SHA-256 over method, target and body
    std::string response_sha256;  // hex SHA-256 over the response body
    int http_status = 0;
};

template <typename T>
struct PlatformReply {
    T value;
    SignatureCheck signature;
    ExchangeRecord exchange;
};

}  // namespace claimgate::troad
