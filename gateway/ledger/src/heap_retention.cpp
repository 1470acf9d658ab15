#include <claimgate/ledger/heap_retention.hpp>

#include <dlfcn.h>
#include <malloc.h>

namespace claimgate::gateway {

std::string_view heapAllocatorName() {
    // mallctl is jemalloc's control entry point; glibc has no symbol of that name.
    static const bool jemalloc = ::dlsym(RTLD_DEFAULT, "mallctl") != nullptr;
    return jemalloc ? "jemalloc" : "glibc";
}

bool retainFreedHeapMemory() {
    if (heapAllocatorName() != "glibc") return true;
    // Setting M_TRIM_THRESHOLD also switches off glibc's dynamic mmap threshold, which left
    // alone rises after the first large free so that big buffers come from the heap. Without
    // it every roster-import chunk was a fresh mmap, faulted in page by page (2M-row import:
    // ~2 s slower). The mmap threshold is therefore set too, to its largest value.
    const bool trim = ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(kHeapTrimThresholdBytes)) == 1;
    const bool mmap = ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHeapMmapThresholdBytes)) == 1;
    return trim && mmap;
}

}  // namespace claimgate::gateway
