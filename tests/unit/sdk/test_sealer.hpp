// File: test_sealer.hpp
// A fixed journal sealing key for unit tests (production derives it from the terminal key).
#pragma once

#include "journal_sealer.hpp"

namespace claimgate::sdk::testing {

inline JournalSealer testSealer() {
    std::array<unsigned char, JournalSealer::kKeyBytes> key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<unsigned char>(i * 7 + 1);
    }
    return JournalSealer(key);
}

}  // namespace claimgate::sdk::testing
