#include <claimgate/protocols/invariant.hpp>

#include <cstdio>
#include <cstdlib>

namespace claimgate::protocols {

void invariantViolated(const char* condition, const char* why, const char* file,
                       int line) noexcept {
    // One fprintf so concurrent reports do not interleave; stderr is unbuffered.
    std::fprintf(stderr, "%s:%d: invariant violated: %s (%s)\n", file, line, condition,
                 why != nullptr ? why : "");
    std::abort();
}

}  // namespace claimgate::protocols
