#include <claimgate/ledger/heap_retention.hpp>

#include <malloc.h>

namespace claimgate::gateway {

bool retainFreedHeapMemory() {
    // M_TRIM_THRESHOLD also fixes the mmap threshold at its 128 KiB default (no dynamic
    // raising): large, rare buffers (roster chunks, exports) still go straight back to the
    // kernel when freed, which is what a long-running node wants for them.
    return ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(kHeapTrimThresholdBytes)) == 1;
}

}  // namespace claimgate::gateway
