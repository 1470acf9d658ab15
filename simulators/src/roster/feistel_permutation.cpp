#include "roster/feistel_permutation.hpp"

#include <cstdio>
#include <cstdlib>

namespace claimgate::simulators {

FeistelPermutation::FeistelPermutation(std::uint64_t domain_size, std::uint64_t key)
    : domain_size_(domain_size) {
    if (domain_size == 0 || domain_size > (std::uint64_t{1} << 62)) {
        std::fprintf(stderr, "FeistelPermutation: domain size %llu out of range\n",
                     static_cast<unsigned long long>(domain_size));
        std::abort();
    }
    // Smallest even bit count 2h with 2^(2h) >= domain_size.
    while ((std::uint64_t{1} << (2 * half_bits_)) < domain_size) {
        ++half_bits_;
    }
    half_mask_ = (std::uint64_t{1} << half_bits_) - 1;
    std::uint64_t state = key;
    for (auto& round_key : round_keys_) {
        state = mix64(state);
        round_key = state;
    }
}

std::uint64_t FeistelPermutation::encryptOnce(std::uint64_t value) const noexcept {
    std::uint64_t left = value >> half_bits_;
    std::uint64_t right = value & half_mask_;
    for (const std::uint64_t round_key : round_keys_) {
        const std::uint64_t next_right = left ^ (mix64(right ^ round_key) & half_mask_);
        left = right;
        right = next_right;
    }
    return (left << half_bits_) | right;
}

std::uint64_t FeistelPermutation::permute(std::uint64_t index) const noexcept {
    std::uint64_t value = encryptOnce(index);
    while (value >= domain_size_) {
        value = encryptOnce(value);
    }
    return value;
}

}  // namespace claimgate::simulators
