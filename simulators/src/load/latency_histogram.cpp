#include "load/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace claimgate::simulators {

std::size_t LatencyHistogram::bucketOf(std::uint64_t micros) noexcept {
    const std::uint64_t value = std::min(micros, kValueMaxMicros);
    const int width = static_cast<int>(std::bit_width(value));
    const int shift = std::max(0, width - kSubBucketBits);
    // Values below 64 get one bucket each; above, the top six bits pick one of 32 sub-buckets
    // of the value's power of two.
    return static_cast<std::size_t>(shift) * 32 + static_cast<std::size_t>(value >> shift);
}

std::uint64_t LatencyHistogram::bucketHighMicros(std::size_t bucket) noexcept {
    const std::size_t shift = bucket < 64 ? 0 : bucket / 32 - 1;
    const std::uint64_t sub = bucket - shift * 32;
    return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t micros) noexcept {
    const std::uint64_t value = std::min(micros, kValueMaxMicros);
    ++buckets_[bucketOf(value)];
    ++count_;
    sum_ += value;
    max_ = std::max(max_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
}

double LatencyHistogram::meanMicros() const noexcept {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t LatencyHistogram::percentileMicros(double quantile) const noexcept {
    if (count_ == 0) return 0;
    const double clamped = std::clamp(quantile, 0.0, 1.0);
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(clamped * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += buckets_[i];
        if (seen >= rank) return std::min(bucketHighMicros(i), max_);
    }
    return max_;
}

}  // namespace claimgate::simulators
