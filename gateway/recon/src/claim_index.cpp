#include <claimgate/recon/claim_index.hpp>

#include <claimgate/recon/limits.hpp>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

namespace claimgate::recon {
namespace {

constexpr std::uint64_t kMultiplier = 0x9E37'79B9'7F4A'7C15ULL;
constexpr unsigned kTagShift = 40;
// Claim ids average ~26 bytes; the arena starts with room for that and doubles.
constexpr std::size_t kArenaBytesPerClaimEstimate = 32;

std::uint64_t mix(std::uint64_t value) noexcept {
    value ^= value >> 31;
    value *= 0xBF58'476D'1CE4'E5B9ULL;
    value ^= value >> 29;
    value *= 0x94D0'49BB'1331'11EBULL;
    value ^= value >> 32;
    return value;
}

std::size_t slotsFor(std::size_t claims) {
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

ClaimIndex::ClaimIndex(std::size_t expected_claims) {
    const std::size_t slots = slotsFor(expected_claims);
    slots_.reserve(slots * sizeof(std::uint64_t));
    mask_ = slots - 1;
    arena_.reserve(std::max<std::size_t>(expected_claims, 1024) * kArenaBytesPerClaimEstimate);
}

bool ClaimIndex::holds(std::uint64_t offset, std::string_view claim_id) const noexcept {
    const char* record = arena() + offset;
    return static_cast<unsigned char>(record[0]) == claim_id.size() &&
           std::memcmp(record + kRecordHeaderBytes, claim_id.data(), claim_id.size()) == 0;
}

std::uint32_t ClaimIndex::positionAt(std::uint64_t offset) const noexcept {
    std::uint32_t position = 0;
    std::memcpy(&position, arena() + offset + 1, sizeof position);
    return position;
}

std::pair<std::uint32_t, bool> ClaimIndex::insert(std::string_view claim_id, std::uint64_t hashed) {
    assert(!claim_id.empty() && claim_id.size() <= kClaimIdLengthMax);
    if ((size_ + 1) * 2 > mask_ + 1) {
        grow();
    }
    const std::uint64_t tag = hashed >> kTagShift;
    std::uint64_t* const table = slots();
    for (std::uint64_t slot = hashed & mask_;; slot = (slot + 1) & mask_) {
        const std::uint64_t entry = table[slot];
        if (entry == 0) {
            const std::size_t need = kRecordHeaderBytes + claim_id.size();
            if (arena_used_ + need > arena_.capacity()) {
                arena_.reserve(std::max(arena_.capacity() * 2, arena_used_ + need));
            }
            const auto position = static_cast<std::uint32_t>(size_);
            char* const record = static_cast<char*>(arena_.data()) + arena_used_;
            record[0] = static_cast<char>(claim_id.size());
            std::memcpy(record + 1, &position, sizeof position);
            std::memcpy(record + kRecordHeaderBytes, claim_id.data(), claim_id.size());
            table[slot] = (tag << kTagShift) | arena_used_;
            arena_used_ += need;
            ++size_;
            return {position, true};
        }
        if ((entry >> kTagShift) == tag && holds(entry & kOffsetMask, claim_id)) {
            return {positionAt(entry & kOffsetMask), false};
        }
    }
}

std::uint32_t ClaimIndex::find(std::string_view claim_id, std::uint64_t hashed) const noexcept {
    const std::uint64_t tag = hashed >> kTagShift;
    const std::uint64_t* const table = slots();
    for (std::uint64_t slot = hashed & mask_;; slot = (slot + 1) & mask_) {
        const std::uint64_t entry = table[slot];
        if (entry == 0) {
            return kNotFound;
        }
        if ((entry >> kTagShift) == tag && holds(entry & kOffsetMask, claim_id)) {
            return positionAt(entry & kOffsetMask);
        }
    }
}

std::uint64_t ClaimIndex::candidate(std::uint64_t hashed) const noexcept {
    const std::uint64_t tag = hashed >> kTagShift;
    const std::uint64_t* const table = slots();
    for (std::uint64_t slot = hashed & mask_;; slot = (slot + 1) & mask_) {
        const std::uint64_t entry = table[slot];
        if (entry == 0) {
            return 0;
        }
        if ((entry >> kTagShift) == tag) {
            return entry & kOffsetMask;
        }
    }
}

std::uint32_t ClaimIndex::confirm(std::uint64_t candidate_offset, std::string_view claim_id,
                                  std::uint64_t hashed) const noexcept {
    if (candidate_offset == 0) {
        return kNotFound;
    }
    if (holds(candidate_offset, claim_id)) {
        return positionAt(candidate_offset);
    }
    return find(claim_id, hashed);  // a tag collision: rare, take the slow path
}

void ClaimIndex::grow() {
    const std::size_t slots = (mask_ + 1) * 2;
    LargeBuffer bigger;
    bigger.reserve(slots * sizeof(std::uint64_t));
    auto* const table = static_cast<std::uint64_t*>(bigger.data());
    const std::uint64_t mask = slots - 1;
    // Walk the arena (records are back to back) rather than the old table: no random reads.
    for (std::size_t offset = 1; offset < arena_used_;) {
        const auto length = static_cast<unsigned char>(arena()[offset]);
        const std::string_view claim_id(arena() + offset + kRecordHeaderBytes, length);
        const std::uint64_t hashed = hash(claim_id);
        std::uint64_t slot = hashed & mask;
        while (table[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        table[slot] = ((hashed >> kTagShift) << kTagShift) | offset;
        offset += kRecordHeaderBytes + length;
    }
    slots_ = std::move(bigger);
    mask_ = mask;
}

}  // namespace claimgate::recon
