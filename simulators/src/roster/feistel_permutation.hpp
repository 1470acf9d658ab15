// File: feistel_permutation.hpp
// A keyed pseudo-random permutation of [0, domain_size). The roster generator maps the n-th
// citizen of a kind to permute(n), so IDs are unique by construction (no hash set over 23
// million rows) yet look scattered over the whole ID space.
#pragma once

#include <cstdint>

namespace claimgate::simulators {

class FeistelPermutation {
public:
    /// domain_size must be in 1..2^62. Precondition checked with an always-on assert.
    FeistelPermutation(std::uint64_t domain_size, std::uint64_t key);

    /// A bijection of [0, domain_size) onto itself; `index` must be < domain_size.
    /// Cycle walking keeps the balanced Feistel network (over 2^(2*half_bits_)) inside the
    /// domain; the network's domain is < 4x the real one, so walks are short.
    [[nodiscard]] std::uint64_t permute(std::uint64_t index) const noexcept;

    [[nodiscard]] std::uint64_t domainSize() const noexcept { return domain_size_; }

private:
    static constexpr int kRounds = 4;

    [[nodiscard]] std::uint64_t encryptOnce(std::uint64_t value) const noexcept;

    std::uint64_t domain_size_;
    unsigned half_bits_ = 1;
    std::uint64_t half_mask_ = 1;
    std::uint64_t round_keys_[kRounds] = {};
};

/// SplitMix64 finaliser: the one mixing function the generator uses for every random choice,
/// so a row's content depends only on (seed, row index) and runs are reproducible.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t value) noexcept {
    value += 0x9E3779B97F4A7C15ULL;
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
    value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
    return value ^ (value >> 31);
}

}  // namespace claimgate::simulators
