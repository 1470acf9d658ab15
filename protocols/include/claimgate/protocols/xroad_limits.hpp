// File: xroad_limits.hpp
// Named bounds of the X-Road REST encoding (contracts invariant 7). The security server may limit
// the URI length (PR-REST §4.2 suggests staying under ~2000 characters).
#pragma once

#include <cstddef>

namespace claimgate::protocols {

/// Longest request target ("/r1/...?...") we build or accept.
inline constexpr std::size_t kXroadTargetLengthMax = 2000;
/// Longest single identifier segment (instance, class, member, subsystem, service), decoded.
inline constexpr std::size_t kXroadIdentifierLengthMax = 255;
/// Longest header value we send or accept for an X-Road header.
inline constexpr std::size_t kXroadHeaderValueLengthMax = 1024;
/// Longest error message / detail kept from an X-Road error body.
inline constexpr std::size_t kXroadErrorTextLengthMax = 2048;
/// The REST protocol version this code speaks ("r1").
inline constexpr int kXroadProtocolVersion = 1;

static_assert(kXroadIdentifierLengthMax * 5 < kXroadTargetLengthMax * 3);

}  // namespace claimgate::protocols
