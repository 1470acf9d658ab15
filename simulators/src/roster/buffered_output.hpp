// File: buffered_output.hpp
// A large, fixed output buffer over a file or stdout for the roster generator: rows are
// formatted straight into the buffer and written in multi-megabyte chunks (23 million rows are
// about 1 GB). A file is written under a temporary name and renamed on commit(), so a failed or
// interrupted run never leaves a truncated roster behind under the real name.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::simulators {

inline constexpr std::size_t kOutputBufferBytes = 8 * 1024 * 1024;

class BufferedOutput {
public:
    BufferedOutput() = default;
    ~BufferedOutput();
    BufferedOutput(const BufferedOutput&) = delete;
    BufferedOutput& operator=(const BufferedOutput&) = delete;

    /// path "-" is stdout. Returns false and fills error() on failure.
    bool open(const std::string& path);

    /// Room for at least `bytes` (<= kOutputBufferBytes / 2) contiguous bytes; write them at
    /// the returned pointer, then call advance(). Flushes first when the buffer is nearly full.
    char* reserve(std::size_t bytes);
    void advance(std::size_t bytes) noexcept { used_ += bytes; }
    void append(std::string_view text);

    /// Flushes, closes and (for a file) renames into place. False and error() on failure.
    bool commit();

    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    [[nodiscard]] unsigned long long bytesWritten() const noexcept { return bytes_written_; }

private:
    bool flush();
    void fail(const std::string& what);

    std::FILE* file_ = nullptr;
    bool is_stdout_ = false;
    bool failed_ = false;
    std::string path_;
    std::string temporary_path_;
    std::vector<char> buffer_;
    std::size_t used_ = 0;
    unsigned long long bytes_written_ = 0;
    std::string error_;
};

}  // namespace claimgate::simulators
