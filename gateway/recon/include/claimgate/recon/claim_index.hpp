// File: claim_index.hpp
// Maps opaque claim ids (1..kClaimIdLengthMax bytes) to dense positions 0..n-1, so the match
// engine can keep everything else about a claim in flat arrays. Open addressing with linear
// probing over 64-bit slots (32-bit hash tag + position); the id bytes live in an arena of
// fixed-size blocks so growing never copies them. About 27 + 8 + 16 bytes per 26-byte claim id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace claimgate::recon {

/// Not thread-safe.
class ClaimIndex {
public:
    static constexpr std::uint32_t kNotFound = 0xFFFF'FFFFU;

    /// `expected_claims` sizes the table up front; it grows (rehashes) when exceeded.
    explicit ClaimIndex(std::size_t expected_claims);

    /// Position of `claim_id`, inserting it if new; `.second` is true when inserted.
    /// Precondition: 1 <= claim_id.size() <= kClaimIdLengthMax, size() < kLedgerClaimsMax.
    std::pair<std::uint32_t, bool> insert(std::string_view claim_id);
    [[nodiscard]] std::uint32_t find(std::string_view claim_id) const noexcept;
    [[nodiscard]] std::string_view key(std::uint32_t position) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return offsets_.size(); }

    [[nodiscard]] static std::uint64_t hash(std::string_view bytes) noexcept;

private:
    void grow();
    [[nodiscard]] std::uint64_t append(std::string_view claim_id);

    static constexpr std::size_t kArenaBlockBytes = std::size_t{16} << 20;

    std::vector<std::uint64_t> slots_;
    std::uint64_t mask_ = 0;
    std::vector<std::uint64_t> offsets_;  ///< arena offset of each position's [length][bytes]
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t block_used_ = kArenaBlockBytes;
};

}  // namespace claimgate::recon
