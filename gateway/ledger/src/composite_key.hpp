// File: composite_key.hpp
// One hash-map key from two strings (operator and Idempotency-Key, program and citizen key,
// operator and slip code), joined by a NUL byte, which no operator id, program id, key or code
// contains; a binary part (a citizen key, fixed size) goes second.
#pragma once

#include <string>
#include <string_view>

namespace claimgate::gateway {

[[nodiscard]] inline std::string compositeKey(std::string_view first, std::string_view second) {
    std::string key;
    key.reserve(first.size() + 1 + second.size());
    key.append(first).push_back('\0');
    key.append(second);
    return key;
}

}  // namespace claimgate::gateway
