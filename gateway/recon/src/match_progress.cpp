#include "match_progress.hpp"

#include <cstdio>

namespace claimgate::recon {
namespace {

constexpr auto kProgressInterval = std::chrono::milliseconds(500);
constexpr double kReadingPercent = 90.0;

}  // namespace

void MatchProgress::reading(const char* phase, std::uint64_t bytes_in_file, std::uint64_t rows) {
    if (!enabled_) {
        return;
    }
    const double share = bytes_total_ == 0
                             ? 1.0
                             : static_cast<double>(bytes_before_file_ + bytes_in_file) /
                                   static_cast<double>(bytes_total_);
    show(phase, kReadingPercent * share, rows);
}

void MatchProgress::classifying(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) {
        return;
    }
    const double share = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    show("classify", kReadingPercent + (100.0 - kReadingPercent) * share, done);
}

void MatchProgress::show(const char* phase, double percent, std::uint64_t rows) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < kProgressInterval) {
        return;
    }
    last_ = now;
    shown_ = true;
    std::fprintf(stderr, "\rrecon match: %-10s %5.1f%%  %llu rows  ", phase, percent,
                 static_cast<unsigned long long>(rows));
    std::fflush(stderr);
}

void MatchProgress::end() {
    if (shown_) {
        std::fprintf(stderr, "\rrecon match: done%40s\n", "");
        shown_ = false;
    }
}

}  // namespace claimgate::recon
