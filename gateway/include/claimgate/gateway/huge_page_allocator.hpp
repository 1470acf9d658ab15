// File: huge_page_allocator.hpp
// An allocator for the eligibility index's slot table: large tables get their own 2 MiB-aligned
// mapping marked for transparent huge pages.
#pragma once

#include <cstddef>
#include <memory>

namespace claimgate::gateway {

/// The size of a transparent huge page on x86-64.
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
/// Arrays larger than this get a huge-page mapping; smaller ones come from the heap. Half a
/// page, not a whole one: an array sized to fill one huge page (the importer's chunks) is a
/// few bytes short of it, and on the heap it would take 512 page faults instead of one. The
/// most a mapping can waste is then half of it.
inline constexpr std::size_t kHugePageMappingMinBytes = kHugePageBytes / 2;

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
        if (bytes <= kHugePageMappingMinBytes) return std::allocator<T>().allocate(count);
        return static_cast<T*>(mapHugePageRegion(mappedBytes(bytes)));
    }

    void deallocate(T* items, std::size_t count) noexcept {
        const std::size_t bytes = count * sizeof(T);
        if (bytes <= kHugePageMappingMinBytes) {
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
