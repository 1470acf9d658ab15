#include <claimgate/recon/claim_index.hpp>

#include <claimgate/recon/limits.hpp>

#include <bit>
#include <cassert>
#include <cstring>

namespace claimgate::recon {
namespace {

constexpr std::uint64_t kMultiplier = 0x9E37'79B9'7F4A'7C15ULL;

std::uint64_t mix(std::uint64_t value) noexcept {
    value ^= value >> 31;
    value *= 0xBF58'476D'1CE4'E5B9ULL;
    value ^= value >> 29;
    value *= 0x94D0'49BB'1331'11EBULL;
    value ^= value >> 32;
    return value;
}

std::size_t capacityFor(std::size_t claims) {
    // Load factor at most 1/2 keeps linear probes short.
    return std::bit_ceil(std::max<std::size_t>(claims * 2, 1024));
}

}  // namespace

std::uint64_t ClaimIndex::hash(std::string_view bytes) noexcept {
    std::uint64_t state = kMultiplier ^ bytes.size();
    const char* cursor = bytes.data();
    std::size_t left = bytes.size();
    while (left >= 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, cursor, 8);
        state = std::rotl((state ^ word) * kMultiplier, 27);
        cursor += 8;
        left -= 8;
    }
    if (left > 0) {
        std::uint64_t word = 0;
        std::memcpy(&word, cursor, left);
        state = std::rotl((state ^ word) * kMultiplier, 27);
    }
    return mix(state);
}

ClaimIndex::ClaimIndex(std::size_t expected_claims)
    : slots_(capacityFor(expected_claims), 0), mask_(slots_.size() - 1) {
    offsets_.reserve(expected_claims);
}

std::uint64_t ClaimIndex::append(std::string_view claim_id) {
    const std::size_t need = claim_id.size() + 1;
    if (block_used_ + need > kArenaBlockBytes) {
        blocks_.emplace_back(new char[kArenaBlockBytes]);
        block_used_ = 0;
    }
    char* const target = blocks_.back().get() + block_used_;
    target[0] = static_cast<char>(claim_id.size());
    std::memcpy(target + 1, claim_id.data(), claim_id.size());
    const std::uint64_t offset = (blocks_.size() - 1) * kArenaBlockBytes + block_used_;
    block_used_ += need;
    return offset;
}

std::string_view ClaimIndex::key(std::uint32_t position) const noexcept {
    const std::uint64_t offset = offsets_[position];
    const char* const start = blocks_[offset / kArenaBlockBytes].get() + offset % kArenaBlockBytes;
    return {start + 1, static_cast<unsigned char>(start[0])};
}

std::pair<std::uint32_t, bool> ClaimIndex::insert(std::string_view claim_id) {
    assert(!claim_id.empty() && claim_id.size() <= kClaimIdLengthMax);
    if ((offsets_.size() + 1) * 2 > slots_.size()) {
        grow();
    }
    const std::uint64_t hashed = hash(claim_id);
    const std::uint64_t tag = hashed >> 32;
    for (std::uint64_t slot = hashed & mask_;; slot = (slot + 1) & mask_) {
        const std::uint64_t entry = slots_[slot];
        if (entry == 0) {
            const auto position = static_cast<std::uint32_t>(offsets_.size());
            offsets_.push_back(append(claim_id));
            slots_[slot] = (tag << 32) | (std::uint64_t{position} + 1);
            return {position, true};
        }
        if ((entry >> 32) == tag) {
            const auto position = static_cast<std::uint32_t>((entry & 0xFFFF'FFFFU) - 1);
            if (key(position) == claim_id) {
                return {position, false};
            }
        }
    }
}

std::uint32_t ClaimIndex::find(std::string_view claim_id) const noexcept {
    const std::uint64_t hashed = hash(claim_id);
    const std::uint64_t tag = hashed >> 32;
    for (std::uint64_t slot = hashed & mask_;; slot = (slot + 1) & mask_) {
        const std::uint64_t entry = slots_[slot];
        if (entry == 0) {
            return kNotFound;
        }
        if ((entry >> 32) == tag) {
            const auto position = static_cast<std::uint32_t>((entry & 0xFFFF'FFFFU) - 1);
            if (key(position) == claim_id) {
                return position;
            }
        }
    }
}

void ClaimIndex::grow() {
    std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
    const std::uint64_t mask = bigger.size() - 1;
    for (const std::uint64_t entry : slots_) {
        if (entry == 0) {
            continue;
        }
        const auto position = static_cast<std::uint32_t>((entry & 0xFFFF'FFFFU) - 1);
        std::uint64_t slot = hash(key(position)) & mask;
        while (bigger[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        bigger[slot] = entry;
    }
    slots_ = std::move(bigger);
    mask_ = mask;
}

}  // namespace claimgate::recon
