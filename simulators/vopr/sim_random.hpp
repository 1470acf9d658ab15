// File: sim_random.hpp
// The simulation's only source of chance: a seeded SplitMix64 generator whose sequence is fixed by
// its definition (no std:: distributions, whose results differ between library versions), so a
// seed names one run, bit for bit, on any build.
#pragma once

#include <cstdint>

namespace claimgate::vopr {

class SimRandom {
public:
    explicit SimRandom(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// 0 .. bound-1 (bound > 0). The modulo bias is irrelevant at these bounds.
    std::uint64_t below(std::uint64_t bound) { return next() % bound; }
    /// True with probability per_mille / 1000.
    bool chance(std::uint64_t per_mille) { return below(1000) < per_mille; }

private:
    std::uint64_t state_;
};

}  // namespace claimgate::vopr
