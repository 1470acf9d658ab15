// File: heap_retention.hpp
// Keeps freed heap memory in the process instead of handing it back to the kernel at once.
#pragma once

#include <cstddef>
#include <string_view>

namespace claimgate::gateway {

/// Free memory at the top of a heap that glibc keeps before giving it back to the kernel.
/// glibc's default is 128 KiB. SQLite grows its page cache one malloc'd page at a time, and
/// between those growths every transaction frees B-tree balancing scratch at the top of the
/// writer's heap. With the default, each free shrank the heap and the next page allocation grew
/// it again into fresh, zero-filled pages: 57 % of the ledger writer's time was the kernel's
/// page-fault path, and the ledger ceiling ran at 1,950 claims/s instead of ~10,700
/// (docs/performance.md, "The ledger's own ceiling").
inline constexpr std::size_t kHeapTrimThresholdBytes = 64U << 20;
/// Allocations at least this large get their own mapping instead of heap memory: glibc's
/// largest allowed value on 64-bit, what its dynamic threshold would climb to (see the .cpp).
inline constexpr std::size_t kHeapMmapThresholdBytes = 32U << 20;

/// Sets both thresholds above for every arena of this process. Call once, first thing in
/// main(), in any process that writes the ledger (gateway, recon, ledger bench). Returns false if
/// the C library refused the setting (the process still works, only slower). A process linked
/// with jemalloc (the gateway, CG_JEMALLOC) has nothing to set: glibc's malloc is not the one
/// in use, and jemalloc keeps freed pages for a while by design (its dirty-page decay).
bool retainFreedHeapMemory();

/// "jemalloc" when jemalloc serves this process's malloc, else "glibc". Found at run time (the
/// gateway library does not know how its executable was linked); /metrics reports it in
/// claimgate_build_info, so an operator can tell which allocator a node runs.
[[nodiscard]] std::string_view heapAllocatorName();

}  // namespace claimgate::gateway
