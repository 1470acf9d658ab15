// File: claim_index.hpp
// Maps opaque claim ids (1..kClaimIdLengthMax bytes) to dense positions 0..n-1, so the match
// engine keeps everything else about a claim in one flat array. Open addressing with linear
// probing over 64-bit slots: a 24-bit hash tag and the 40-bit offset of the claim's record in an
// arena, where [length][position][id bytes] sit together, so a lookup costs one slot and one
// arena cache line. About 26 + 5 + 16 bytes per 26-byte claim id.
//
// For throughput the engine looks claims up in batches: hash + prefetch(), then candidate() and
// prefetchRecord(), then confirm(): the memory latency of a batch overlaps.
#pragma once

#include <claimgate/recon/large_buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace claimgate::recon {

/// Not thread-safe.
class ClaimIndex {
public:
    static constexpr std::uint32_t kNotFound = 0xFFFF'FFFFU;

    /// `expected_claims` sizes the table up front; it grows (rehashes) when exceeded.
    explicit ClaimIndex(std::size_t expected_claims);

    [[nodiscard]] static std::uint64_t hash(std::string_view bytes) noexcept;

    /// Position of `claim_id`, inserting it if new; `.second` is true when inserted.
    /// Precondition: 1 <= claim_id.size() <= kClaimIdLengthMax, size() < kLedgerClaimsMax.
    std::pair<std::uint32_t, bool> insert(std::string_view claim_id, std::uint64_t hashed);
    std::pair<std::uint32_t, bool> insert(std::string_view claim_id) {
        return insert(claim_id, hash(claim_id));
    }
    [[nodiscard]] std::uint32_t find(std::string_view claim_id,
                                     std::uint64_t hashed) const noexcept;
    [[nodiscard]] std::uint32_t find(std::string_view claim_id) const noexcept {
        return find(claim_id, hash(claim_id));
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

    // Batched lookup (see the file comment). A candidate is an arena offset, 0 for none.
    void prefetch(std::uint64_t hashed) const noexcept {
        __builtin_prefetch(slots() + (hashed & mask_));
    }
    [[nodiscard]] std::uint64_t candidate(std::uint64_t hashed) const noexcept;
    void prefetchRecord(std::uint64_t candidate_offset) const noexcept {
        __builtin_prefetch(arena() + candidate_offset);
    }
    /// The position if the candidate holds `claim_id`, else a full find().
    [[nodiscard]] std::uint32_t confirm(std::uint64_t candidate_offset, std::string_view claim_id,
                                        std::uint64_t hashed) const noexcept;

private:
    static constexpr unsigned kOffsetBits = 40;
    static constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << kOffsetBits) - 1;
    static constexpr std::size_t kRecordHeaderBytes = 5;  // length byte + 32-bit position

    [[nodiscard]] std::uint64_t* slots() const noexcept {
        return static_cast<std::uint64_t*>(slots_.data());
    }
    [[nodiscard]] const char* arena() const noexcept {
        return static_cast<const char*>(arena_.data());
    }
    [[nodiscard]] bool holds(std::uint64_t offset, std::string_view claim_id) const noexcept;
    [[nodiscard]] std::uint32_t positionAt(std::uint64_t offset) const noexcept;
    void grow();

    LargeBuffer slots_;
    std::uint64_t mask_ = 0;
    LargeBuffer arena_;
    std::size_t arena_used_ = 1;  // offset 0 means "no record"
    std::size_t size_ = 0;
};

}  // namespace claimgate::recon
