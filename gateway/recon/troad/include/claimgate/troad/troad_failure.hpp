// File: troad_failure.hpp
// Why a PlatformClient call failed. The Status keeps a contracts §5 ErrorCode; the finer kind
// travels in its detail ("troad_failure") so callers can decide: retry later on transport and
// X-Road errors, stop and alert on bad signatures.
//
//   if (troadFailureOf(result.status()) == TroadFailure::bad_signature) { ... }
#pragma once

#include <claimgate/protocols/status.hpp>

#include <string_view>

namespace claimgate::troad {

enum class TroadFailure {
    none,             // the Status is ok
    transport,        // no complete HTTP response (connect, TLS, timeout)
    xroad_error,      // a security server answered with X-Road-Error (detail: xroad_error_type)
    platform_error,   // the platform answered an error without X-Road-Error (detail: http_status)
    bad_signature,    // missing or invalid X-Claimgate-Signature on a platform response
    malformed_reply,  // the body does not decode or breaks a limit
    bad_request,      // we refused to send (invalid batch, limit exceeded)
};

[[nodiscard]] std::string_view troadFailureName(TroadFailure failure) noexcept;

/// Reads detail["troad_failure"]; transport for a non-ok Status without one.
[[nodiscard]] TroadFailure troadFailureOf(const protocols::Status& status);

}  // namespace claimgate::troad
