#include <claimgate/recon/large_buffer.hpp>

#include <new>
#include <sys/mman.h>
#include <utility>

namespace claimgate::recon {
namespace {
constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
}

LargeBuffer::~LargeBuffer() {
    if (data_ != nullptr) {
        ::munmap(data_, capacity_);
    }
}

LargeBuffer::LargeBuffer(LargeBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

LargeBuffer& LargeBuffer::operator=(LargeBuffer&& other) noexcept {
    if (this != &other) {
        if (data_ != nullptr) {
            ::munmap(data_, capacity_);
        }
        data_ = std::exchange(other.data_, nullptr);
        capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
}

void LargeBuffer::reserve(std::size_t bytes) {
    if (bytes <= capacity_) {
        return;
    }
    const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* mapped = data_ == nullptr ? ::mmap(nullptr, rounded, PROT_READ | PROT_WRITE,
                                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                                    : ::mremap(data_, capacity_, rounded, MREMAP_MAYMOVE);
    if (mapped == MAP_FAILED) {
        throw std::bad_alloc();
    }
    // Best effort: without THP the tables still work, only slower.
    (void)::madvise(mapped, rounded, MADV_HUGEPAGE);
    data_ = mapped;
    capacity_ = rounded;
}

}  // namespace claimgate::recon
