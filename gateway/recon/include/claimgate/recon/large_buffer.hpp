// File: large_buffer.hpp
// A growable, zero-filled block of anonymous memory for the match engine's big tables (hundreds
// of MB at 23 million claims). Backed by mmap with transparent huge pages requested
// (MADV_HUGEPAGE), because random probes into 4 KiB pages spend most of their time in TLB
// misses; grows with mremap, which moves page tables instead of copying bytes.
#pragma once

#include <cstddef>

namespace claimgate::recon {

/// Not thread-safe. Move-only. Throws std::bad_alloc when the kernel refuses memory (the match
/// engine turns that into a Status).
class LargeBuffer {
public:
    LargeBuffer() = default;
    ~LargeBuffer();
    LargeBuffer(LargeBuffer&& other) noexcept;
    LargeBuffer& operator=(LargeBuffer&& other) noexcept;
    LargeBuffer(const LargeBuffer&) = delete;
    LargeBuffer& operator=(const LargeBuffer&) = delete;

    /// Makes at least `bytes` usable; existing contents are kept, new bytes are zero.
    void reserve(std::size_t bytes);
    [[nodiscard]] void* data() const noexcept { return data_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

private:
    void* data_ = nullptr;
    std::size_t capacity_ = 0;
};

}  // namespace claimgate::recon
