// HugePageAllocator: which arrays get their own 2 MiB-aligned mapping (docs/performance.md,
// "The PostgreSQL import under two minutes": the importer's chunks once missed it by 32 bytes).
#include <claimgate/gateway/huge_page_allocator.hpp>
#include <claimgate/gateway/limits.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace claimgate::gateway::testing {
namespace {

/// The size of the importer's parsed row (roster_importer.cpp's ImportRow).
struct EightyBytes {
    unsigned char bytes[80];
};

bool onHugePageBoundary(const void* pointer) {
    return reinterpret_cast<std::uintptr_t>(pointer) % kHugePageBytes == 0;
}

/// Whether the mapping holding `pointer` carries MADV_HUGEPAGE ("hg" in /proc/self/smaps'
/// VmFlags): true for the allocator's own mappings, false for the heap's.
/// A kernel built without transparent huge pages refuses the advice (the mapping still works).
bool kernelHasHugePages() {
    return std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good();
}

bool adviseHugePages(const void* pointer) {
    const auto address = reinterpret_cast<std::uintptr_t>(pointer);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        const auto dash = line.find('-');
        const auto space = line.find(' ');
        if (dash != std::string::npos && space != std::string::npos && dash < space &&
            line.find(':') > space) {
            const std::uintptr_t start = std::stoull(line.substr(0, dash), nullptr, 16);
            const std::uintptr_t end =
                std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
            inside = start <= address && address < end;
        } else if (inside && line.rfind("VmFlags:", 0) == 0) {
            return (line + " ").find(" hg ") != std::string::npos;
        }
    }
    return false;
}

TEST(HugePageAllocatorTest, AnImportChunkGetsItsOwnAlignedMapping) {
    // A chunk's rows are sized to fill one huge page and fall a little short of it.
    static_assert(kRosterImportChunkLines * sizeof(EightyBytes) <= kHugePageBytes);
    static_assert(kRosterImportChunkLines * sizeof(EightyBytes) > kHugePageMappingMinBytes);
    std::vector<EightyBytes, HugePageAllocator<EightyBytes>> rows;
    rows.reserve(kRosterImportChunkLines);
    EXPECT_TRUE(onHugePageBoundary(rows.data()));
    if (kernelHasHugePages()) {
        EXPECT_TRUE(adviseHugePages(rows.data()));
    }
    rows.resize(kRosterImportChunkLines);  // every byte of the mapping is there and writable
    rows.back().bytes[79] = 7;
    EXPECT_EQ(rows.front().bytes[0], 0);
    EXPECT_EQ(rows.back().bytes[79], 7);
}

TEST(HugePageAllocatorTest, ArraysUpToHalfAHugePageComeFromTheHeap) {
    // A mapping for these could waste more than half of it: small rosters' index tables and
    // small imports stay on the heap.
    std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> small(kHugePageMappingMinBytes /
                                                                       sizeof(std::uint64_t));
    EXPECT_FALSE(adviseHugePages(small.data()));
    std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> large(
        kHugePageMappingMinBytes / sizeof(std::uint64_t) + 1);
    EXPECT_TRUE(onHugePageBoundary(large.data()));
    if (kernelHasHugePages()) {
        EXPECT_TRUE(adviseHugePages(large.data()));
    }
    large.back() = 1;
    EXPECT_EQ(large.back(), 1U);
}

}  // namespace
}  // namespace claimgate::gateway::testing
