// File: xroad_headers.hpp
// An ordered list of HTTP headers with case-insensitive lookup (HTTP header names are
// case-insensitive, and security servers answer in lower case: "x-road-id"), plus the names of
// the X-Road REST headers (PR-REST §4.3) and of claimgate's detached-signature headers
// (contracts §8).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::protocols {

inline constexpr std::string_view kXroadClientHeader = "X-Road-Client";
inline constexpr std::string_view kXroadServiceHeader = "X-Road-Service";
inline constexpr std::string_view kXroadIdHeader = "X-Road-Id";
inline constexpr std::string_view kXroadRequestIdHeader = "X-Road-Request-Id";
inline constexpr std::string_view kXroadRequestHashHeader = "X-Road-Request-Hash";
inline constexpr std::string_view kXroadUserIdHeader = "X-Road-UserId";
inline constexpr std::string_view kXroadIssueHeader = "X-Road-Issue";
inline constexpr std::string_view kXroadErrorHeader = "X-Road-Error";
inline constexpr std::string_view kXroadSecurityServerHeader = "X-Road-Security-Server";
inline constexpr std::string_view kXroadRepresentedPartyHeader = "X-Road-Represented-Party";
/// Detached ECDSA P-256 signature over the exact body: base64 of the DER encoding.
inline constexpr std::string_view kClaimgateSignatureHeader = "X-Claimgate-Signature";
/// Which key made X-Claimgate-Signature (e.g. "claimgate-gateway", "payout-platform").
inline constexpr std::string_view kClaimgateKeyIdHeader = "X-Claimgate-Key-Id";

struct XroadHeader {
    std::string name;
    std::string value;

    friend bool operator==(const XroadHeader&, const XroadHeader&) = default;
};

/// ASCII case-insensitive comparison of header names.
[[nodiscard]] bool headerNameEquals(std::string_view a, std::string_view b) noexcept;

class XroadHeaders {
public:
    /// Replaces every header of that name with one value (keeps the first one's position).
    void set(std::string_view name, std::string value);
    /// Appends without replacing (for headers that may repeat).
    void add(std::string name, std::string value);
    void remove(std::string_view name);

    /// The LAST value of that name: a security server uses the last X-Road-Client if several
    /// are sent (RestRequest.decodeHeaders), so readers here do the same.
    [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
    [[nodiscard]] bool contains(std::string_view name) const { return get(name).has_value(); }

    [[nodiscard]] const std::vector<XroadHeader>& all() const noexcept { return headers_; }
    [[nodiscard]] std::size_t size() const noexcept { return headers_.size(); }

private:
    std::vector<XroadHeader> headers_;
};

}  // namespace claimgate::protocols
