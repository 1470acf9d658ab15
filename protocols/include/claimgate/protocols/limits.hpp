// File: limits.hpp
// Named bounds shared by every component (contracts invariant 7). Component-specific bounds live in
// that component's own limits.hpp; these are the ones the wire contract depends on.
#pragma once

#include <cstddef>
#include <cstdint>

namespace claimgate::protocols {

/// Largest request body the gateway reads (contracts §5: 413 body_too_large beyond it).
inline constexpr std::size_t kRequestBodyBytesMax = 16 * 1024;
inline constexpr std::size_t kIdempotencyKeyLengthMax = 64;
inline constexpr std::size_t kProgramIdLengthMax = 32;
inline constexpr std::size_t kTerminalRefLengthMax = 64;
inline constexpr std::size_t kReasonLengthMax = 200;
inline constexpr std::size_t kProxiesPerCitizenMax = 8;
inline constexpr std::int64_t kAmountMax = 1'000'000'000;  // TWD, far above any handout
inline constexpr std::uint32_t kHoldTtlSecondsMax = 7 * 24 * 3600;
inline constexpr std::size_t kProgramsMax = 256;
inline constexpr std::size_t kProgramExcludesMax = 32;
/// A kiosk slip's claim code: 12 random digits and an 8-digit MAC tag (contracts §5), so a
/// guessed code is refused before any lookup and a real one cannot be derived from another.
inline constexpr std::size_t kClaimCodeSerialDigits = 12;
inline constexpr std::size_t kClaimCodeTagDigits = 8;
inline constexpr std::size_t kClaimCodeDigits = kClaimCodeSerialDigits + kClaimCodeTagDigits;

static_assert(kIdempotencyKeyLengthMax < kRequestBodyBytesMax);

}  // namespace claimgate::protocols
