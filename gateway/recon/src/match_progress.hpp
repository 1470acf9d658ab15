// File: match_progress.hpp
// The progress line of `match` on stderr (only when asked: callers set it on a TTY). Reading the
// inputs is about 90% of the work, classifying the rest.
#pragma once

#include <chrono>
#include <cstdint>

namespace claimgate::recon {

class MatchProgress {
public:
    explicit MatchProgress(bool enabled) : enabled_(enabled) {}

    void setTotalBytes(std::uint64_t bytes) noexcept { bytes_total_ = bytes; }
    /// A whole input file was read (its bytes count towards the reading share).
    void fileDone(std::uint64_t bytes) noexcept { bytes_before_file_ += bytes; }
    /// Reading phase: `bytes_in_file` of the current file read.
    void reading(const char* phase, std::uint64_t bytes_in_file, std::uint64_t rows);
    /// Classify phase: `done` of `total` claims.
    void classifying(std::uint64_t done, std::uint64_t total);
    /// Ends the line (if one was shown).
    void end();

private:
    void show(const char* phase, double percent, std::uint64_t rows);

    bool enabled_;
    std::uint64_t bytes_total_ = 0;
    std::uint64_t bytes_before_file_ = 0;
    std::chrono::steady_clock::time_point last_{};
    bool shown_ = false;
};

}  // namespace claimgate::recon
