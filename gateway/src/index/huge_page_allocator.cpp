#include <claimgate/gateway/huge_page_allocator.hpp>

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace claimgate::gateway {

void* mapHugePageRegion(std::size_t bytes) {
    // Over-map by one huge page and cut the unaligned head and tail off, so the whole table
    // lies on 2 MiB boundaries (a huge page can only back an aligned 2 MiB range).
    const std::size_t padded = bytes + kHugePageBytes;
    void* raw = ::mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
    const std::size_t head = aligned - start;
    const std::size_t tail = padded - head - bytes;
    if (head > 0) ::munmap(raw, head);
    if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
    // Advice only: without transparent huge pages the mapping still works with small pages.
    (void)::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
}

void unmapHugePageRegion(void* region, std::size_t bytes) noexcept { ::munmap(region, bytes); }

}  // namespace claimgate::gateway
