// File: xroad_error.hpp
// Errors raised inside X-Road (PR-REST §4.6). A security server marks them with the X-Road-Error
// header and a body {"type", "message", "detail"}; without that header an error status came from
// the provider information system and is not an X-Road error.
//
// Error types are compared in a canonical form, because X-Road 7.8 changed their spelling from
// "Server.ServerProxy.AccessDenied" to "server.serverproxy.access_denied": canonical = ASCII
// lower case with '_' and '-' dropped, '.' kept as the segment separator, so both spellings give
// "server.serverproxy.accessdenied".
//
//   auto error = parseXroadError(response.status, response.headers, response.body);
//   if (error && error->type.is(XroadErrorType::kAccessDenied)) { ... }
#pragma once

#include <claimgate/protocols/xroad_headers.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace claimgate::protocols {

/// Who raised an X-Road error, from the type's prefix (PR-REST §4.6).
enum class XroadErrorOrigin {
    client,           // "Client.*": the request of the consumer IS was at fault
    consumer_server,  // "Server.ClientProxy.*": the consumer's security server
    provider_server,  // "Server.ServerProxy.*": the provider's security server
    signer,           // "Signer.*"
    other,
};

class XroadErrorType {
public:
    // Well-known types on the REST path (ErrorCodes @7.7.0); compare with is(), never ==.
    static constexpr std::string_view kInvalidClientIdentifier =
        "Server.ClientProxy.InvalidClientIdentifier";
    static constexpr std::string_view kUnknownMember = "Server.ClientProxy.UnknownMember";
    static constexpr std::string_view kSslAuthenticationFailed =
        "Server.ClientProxy.SslAuthenticationFailed";
    static constexpr std::string_view kInvalidRequest = "Server.ClientProxy.InvalidRequest";
    static constexpr std::string_view kNetworkError = "Server.ClientProxy.NetworkError";
    static constexpr std::string_view kUnknownService = "Server.ServerProxy.UnknownService";
    static constexpr std::string_view kAccessDenied = "Server.ServerProxy.AccessDenied";
    static constexpr std::string_view kServiceDisabled = "Server.ServerProxy.ServiceDisabled";
    static constexpr std::string_view kServiceFailed = "Server.ServerProxy.ServiceFailed";
    static constexpr std::string_view kInternalError = "Server.ServerProxy.InternalError";
    static constexpr std::string_view kMaintenanceMode = "Server.ServerProxy.MaintenanceMode";

    XroadErrorType() = default;
    explicit XroadErrorType(std::string raw);

    /// As received, e.g. "server.serverproxy.access_denied".
    [[nodiscard]] const std::string& raw() const noexcept { return raw_; }
    /// Canonical form, e.g. "server.serverproxy.accessdenied".
    [[nodiscard]] const std::string& canonical() const noexcept { return canonical_; }

    /// Same type in either spelling, any case.
    [[nodiscard]] bool is(std::string_view other_type) const;
    /// True when this type equals `prefix` or starts with `prefix` + '.', in canonical form:
    /// ServiceFailed.SslAuthenticationFailed has the prefix ServiceFailed.
    [[nodiscard]] bool hasPrefix(std::string_view prefix) const;
    [[nodiscard]] XroadErrorOrigin origin() const;

    friend bool operator==(const XroadErrorType& a, const XroadErrorType& b) {
        return a.canonical_ == b.canonical_;
    }

private:
    std::string raw_;
    std::string canonical_;
};

/// The canonical form of an error type (see the file comment).
[[nodiscard]] std::string canonicalXroadErrorType(std::string_view type);

struct XroadError {
    int http_status = 0;
    XroadErrorType type;
    std::string message;  // bounded by kXroadErrorTextLengthMax
    std::string detail;   // the SS's error instance id (a UUID) when it sent one
};

/// An X-Road error if the X-Road-Error header is present (the header is authoritative; the body
/// only adds message and detail, and may be JSON, XML or anything). nullopt otherwise.
[[nodiscard]] std::optional<XroadError> parseXroadError(int http_status,
                                                        const XroadHeaders& headers,
                                                        std::string_view body);

}  // namespace claimgate::protocols
