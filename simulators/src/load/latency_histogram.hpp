// File: latency_histogram.hpp
// Log-linear latency histogram in the manner of HdrHistogram: 64 linear sub-buckets per power of
// two, so every recorded value is known to within 1.6 %, for 1 µs up to ~12 days, in a fixed
// 9 KiB array. Recording never allocates, so a terminal thread can record every request; each
// thread owns one and they are merged once at the end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace claimgate::simulators {

class LatencyHistogram {
public:
    static constexpr int kSubBucketBits = 6;
    static constexpr std::uint64_t kValueMaxMicros = (std::uint64_t{1} << 40) - 1;
    static constexpr std::size_t kBuckets = 35 * 32 + 32;

    /// Adds one latency; values above kValueMaxMicros are clamped. Not thread-safe.
    void record(std::uint64_t micros) noexcept;
    /// Adds every value of `other` into this histogram.
    void merge(const LatencyHistogram& other) noexcept;

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t maxMicros() const noexcept { return max_; }
    [[nodiscard]] double meanMicros() const noexcept;
    /// Smallest recorded-bucket upper bound below which `quantile` (0..1) of values fall,
    /// never above the true maximum. 0 when empty.
    [[nodiscard]] std::uint64_t percentileMicros(double quantile) const noexcept;

    [[nodiscard]] static std::size_t bucketOf(std::uint64_t micros) noexcept;
    [[nodiscard]] static std::uint64_t bucketHighMicros(std::size_t bucket) noexcept;

private:
    std::array<std::uint64_t, kBuckets> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t sum_ = 0;
};

}  // namespace claimgate::simulators
