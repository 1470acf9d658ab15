// File: huge_page_allocator.hpp
// An allocator for the eligibility index's slot table: large tables get their own 2 MiB-aligned
// mapping marked for transparent huge pages.
#pragma once

#include <cstddef>
#include <memory>

namespace claimgate::gateway {

/// Tables at least this large get a huge-page mapping; smaller ones come from the heap.
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

/// A mapping of `bytes` (a multiple of kHugePageBytes) aligned to kHugePageBytes, zero-filled,
/// with MADV_HUGEPAGE asked for. Throws std::bad_alloc if the kernel refuses the mapping.
void* mapHugePageRegion(std::size_t bytes);
void unmapHugePageRegion(void* region, std::size_t bytes) noexcept;

/// At 23M citizens the slot table is ~1 GiB of randomly probed memory. With 4 KiB pages,
/// building it (from the ledger or a snapshot) takes ~265,000 page faults, and nearly every
/// lookup misses the TLB. 2 MiB pages take 512 times fewer faults and keep the table's page
/// entries cached. A kernel with huge pages switched off still gets a working, aligned mapping.
template <class T>
class HugePageAllocator {
public:
    using value_type = T;

    HugePageAllocator() noexcept = default;
    template <class U>
    explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}

    T* allocate(std::size_t count) {
        const std::size_t bytes = count * sizeof(T);
        if (bytes < kHugePageBytes) return std::allocator<T>().allocate(count);
        return static_cast<T*>(mapHugePageRegion(mappedBytes(bytes)));
    }

    void deallocate(T* items, std::size_t count) noexcept {
        const std::size_t bytes = count * sizeof(T);
        if (bytes < kHugePageBytes) {
            std::allocator<T>().deallocate(items, count);
            return;
        }
        unmapHugePageRegion(items, mappedBytes(bytes));
    }

    friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) noexcept {
        return true;
    }

private:
    static std::size_t mappedBytes(std::size_t bytes) {
        return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    }
};

}  // namespace claimgate::gateway
