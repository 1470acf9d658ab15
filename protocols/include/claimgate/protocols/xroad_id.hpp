// File: xroad_id.hpp
// X-Road-Id values: the message id the information system chooses for each call. The
// specification recommends a UUID (PR-REST §4.3); ours are random version-4 UUIDs from the
// OpenSSL CSPRNG, so they never repeat across processes or restarts.
#pragma once

#include <string>
#include <string_view>

namespace claimgate::protocols {

/// "3f1e2d4c-8b6a-4e21-9c7d-0a1b2c3d4e5f" (lower-case, RFC 4122 version 4, variant 10xx).
/// Aborts only if the OpenSSL random generator fails, which means the process cannot be trusted
/// with keys either.
[[nodiscard]] std::string newXroadId();

/// True for the canonical 36-character UUID text form (any version, either case).
[[nodiscard]] bool isUuidText(std::string_view text) noexcept;

}  // namespace claimgate::protocols
