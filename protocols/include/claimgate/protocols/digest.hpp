// File: digest.hpp
// SHA-256, HMAC-SHA256 and the text encodings (hex, base64) used for citizen keys, idempotency
// request hashes and the hash chains. Thin, allocation-light wrappers over OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claimgate::protocols {

using Sha256Digest = std::array<std::uint8_t, 32>;

[[nodiscard]] Sha256Digest sha256(std::string_view data);

/// SHA-256 over the concatenation of two byte strings, e.g. hash_{n-1} || event_n.
[[nodiscard]] Sha256Digest sha256Concat(std::string_view first, std::string_view second);

[[nodiscard]] Sha256Digest hmacSha256(std::string_view key, std::string_view data);

[[nodiscard]] std::string toHex(const std::uint8_t* data, std::size_t size);
[[nodiscard]] inline std::string toHex(const Sha256Digest& digest) {
    return toHex(digest.data(), digest.size());
}
/// Lower- or upper-case hex; nullopt on odd length or a non-hex character.
[[nodiscard]] std::optional<std::string> fromHex(std::string_view hex);

[[nodiscard]] std::string base64Encode(std::string_view bytes);
[[nodiscard]] std::optional<std::string> base64Decode(std::string_view text);

[[nodiscard]] inline std::string_view asBytes(const Sha256Digest& digest) {
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace claimgate::protocols
