// File: random_bytes.hpp
// Cryptographically strong random bytes for ids and claim-code serials, drawn from OpenSSL's
// generator a few hundred bytes at a time instead of once per id.
//
// Why: every RAND_bytes call takes the generator's lock, checks for a fork with a getpid()
// system call and runs a whole DRBG generate step, about 3 % of the ledger writer's CPU for
// nine bytes per claim id (docs/performance.md, "Random bytes in blocks"). The bytes are the
// same generator's output either way; only the call is amortised.
#pragma once

#include <cstddef>

namespace claimgate::protocols {

/// Bytes a thread draws from OpenSSL at a time; a request at least this large goes to OpenSSL
/// directly.
inline constexpr std::size_t kRandomBlockBytes = 512;

/// Fills `out` with `size` random bytes. Each thread keeps its own block, so threads never
/// share bytes. A forked child discards every block it inherited (pthread_atfork), so a parent
/// and its child never hand out the same bytes. Throws std::runtime_error if OpenSSL's
/// generator fails: nothing may be minted without it.
void fillRandomBytes(void* out, std::size_t size);

}  // namespace claimgate::protocols
