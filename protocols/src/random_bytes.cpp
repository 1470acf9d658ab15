#include <claimgate/protocols/random_bytes.hpp>

#include <claimgate/protocols/invariant.hpp>

#include <openssl/rand.h>

#include <pthread.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace claimgate::protocols {
namespace {

/// Bumped in every forked child: a block filled under an older generation was inherited from
/// the parent, which may hand out the same bytes, so the child must not use it.
std::atomic<unsigned> g_fork_generation{0};

void noteForkInChild() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct RandomBlock {
    std::array<unsigned char, kRandomBlockBytes> bytes{};
    std::size_t used = kRandomBlockBytes;  // empty until the first draw
    unsigned generation = 0;
};

void drawFromOpenSsl(void* out, std::size_t size) {
    if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(size)) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
}

}  // namespace

void fillRandomBytes(void* out, std::size_t size) {
    if (size == 0) return;  // also spares memcpy a null `out`, which it may not be given
    static std::once_flag registered;
    std::call_once(registered, [] {
        CG_ASSERT(::pthread_atfork(nullptr, nullptr, noteForkInChild) == 0,
                  "the random blocks' fork handler is registered");
    });
    if (size >= kRandomBlockBytes) return drawFromOpenSsl(out, size);
    thread_local RandomBlock block;
    const unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
    if (block.generation != generation || kRandomBlockBytes - block.used < size) {
        drawFromOpenSsl(block.bytes.data(), block.bytes.size());
        block.used = 0;
        block.generation = generation;
    }
    std::memcpy(out, block.bytes.data() + block.used, size);
    // Bytes handed out are wiped from the block, so no later reader of this memory (a core dump)
    // learns an id's random part from here.
    std::memset(block.bytes.data() + block.used, 0, size);
    block.used += size;
}

}  // namespace claimgate::protocols
