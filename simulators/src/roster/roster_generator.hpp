// File: roster_generator.hpp
// Synthetic rosters (contracts §9, §11): N citizens with valid checksums, unique IDs and unique NHI
// card numbers, a deterministic function of (options, seed). Used by `claimgate-sim roster` and
// by any simulator that needs the same population (e.g. the T-Road platform).
//
//   RosterGenerator generator(options);
//   RosterRow row;
//   while (generator.next(row)) { ... }             // rows 0..count-1, in order
//
// Uniqueness is by construction: the n-th ID of a kind is FeistelPermutation(kind space)(n), the
// n-th NHI number likewise, so no row is ever remembered. Not thread-safe (one per thread).
#pragma once

#include "roster/feistel_permutation.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/roster_csv.hpp>
#include <claimgate/protocols/status.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace claimgate::simulators {

/// Upper bound on rows per roster: well above Taiwan's 23.5 million residents, and small enough
/// that every ID kind stays far inside its own space (checked when options are validated).
inline constexpr std::uint64_t kRosterRowsMax = 100'000'000;
inline constexpr std::size_t kRosterProxiesPerRowMax = 2;
/// Longest CSV line a generated row takes, newline included.
inline constexpr std::size_t kRosterGeneratedLineBytesMax = 96;

struct RosterOptions {
    std::uint64_t count = 0;
    std::uint64_t seed = 0;
    double nhi_fraction = 0.9;            // rows carrying an NHI card number
    double proxy_fraction = 0.05;         // rows with 1-2 proxies (claim_by proxy or either)
    double amount_fraction = 0.01;        // rows with their own amount (else the program's)
    double resident_new_fraction = 0.03;  // new-format resident certificates (A800000014)
    double resident_old_fraction = 0.01;  // old-format resident certificates (AC01234567)

    /// bad_field naming the option when a count or fraction is out of range.
    [[nodiscard]] protocols::Status validate() const;
};

using CitizenIdText = std::array<char, 10>;
using NhiCardText = std::array<char, 12>;

struct RosterRow {
    std::uint64_t index = 0;
    CitizenIdText citizen_id{};
    protocols::CitizenIdKind kind = protocols::CitizenIdKind::national;
    bool has_nhi_card = false;
    NhiCardText nhi_card_no{};
    std::int64_t amount = 0;  // 0 = the program's amount (empty CSV cell)
    std::size_t proxy_count = 0;
    std::array<CitizenIdText, kRosterProxiesPerRowMax> proxies{};
    bool has_claim_by = false;  // empty cell = self (no proxies)
    protocols::ClaimBy claim_by = protocols::ClaimBy::self;

    [[nodiscard]] std::string_view citizenId() const noexcept {
        return {citizen_id.data(), citizen_id.size()};
    }
};

struct RosterCounts {
    std::uint64_t rows = 0;
    std::uint64_t national = 0;
    std::uint64_t resident_new = 0;
    std::uint64_t resident_old = 0;
    std::uint64_t with_nhi_card = 0;
    std::uint64_t with_proxies = 0;
    std::uint64_t with_amount = 0;
};

class RosterGenerator {
public:
    /// Options must have passed validate().
    explicit RosterGenerator(const RosterOptions& options);

    /// Fills `row` with the next row; false once `count` rows were produced. Every ID is checked
    /// with CitizenId::parse before it leaves (a failure is a generator bug and aborts).
    bool next(RosterRow& row);

    [[nodiscard]] const RosterCounts& counts() const noexcept { return counts_; }

    /// The row as the shared roster CSV codec writes it (`csv_row`'s buffers are reused).
    static void toCsvRow(const RosterRow& row, protocols::RosterCsvRow& csv_row);

private:
    // One stream of random choices per purpose, so adding a field never shifts the others.
    enum class Stream : std::uint64_t { kind, nhi, proxy, proxy_ids, amount };

    [[nodiscard]] std::uint64_t draw(std::uint64_t row, Stream stream) const noexcept;
    [[nodiscard]] static std::uint64_t threshold(double fraction) noexcept;
    void makeProxy(std::uint64_t random, const CitizenIdText& avoid, CitizenIdText& out) const;

    RosterOptions options_;
    std::uint64_t next_row_ = 0;
    std::uint64_t stream_key_;
    std::uint64_t resident_old_below_;
    std::uint64_t resident_new_below_;
    std::uint64_t nhi_below_;
    std::uint64_t proxy_below_;
    std::uint64_t amount_below_;
    FeistelPermutation national_;
    FeistelPermutation resident_new_;
    FeistelPermutation resident_old_;
    FeistelPermutation nhi_;
    RosterCounts counts_;
};

}  // namespace claimgate::simulators
