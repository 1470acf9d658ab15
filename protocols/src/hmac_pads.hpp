// File: hmac_pads.hpp
// The two padded key blocks of HMAC-SHA256 (RFC 2104), shared by hmacSha256 (digest.cpp) and
// the precomputed pepper states of CitizenKeys (citizen_keys.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace claimgate::protocols {

class HmacPads {
public:
    static constexpr std::size_t kBlockBytes = 64;  // SHA-256 block

    /// key ^ ipad and key ^ opad, a key longer than a block first hashed (RFC 2104).
    explicit HmacPads(std::string_view key);
    /// The key is a pepper or derived from one: no copy stays in memory after use.
    ~HmacPads();
    HmacPads(const HmacPads&) = delete;
    HmacPads& operator=(const HmacPads&) = delete;

    [[nodiscard]] const std::array<unsigned char, kBlockBytes>& inner() const { return inner_; }
    [[nodiscard]] const std::array<unsigned char, kBlockBytes>& outer() const { return outer_; }

private:
    std::array<unsigned char, kBlockBytes> inner_{};
    std::array<unsigned char, kBlockBytes> outer_{};
};

}  // namespace claimgate::protocols
