#include <claimgate/gateway/claim_code_authority.hpp>

#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/random_bytes.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace claimgate::gateway {
namespace {

std::string zeroPadded(std::uint64_t value, std::size_t digits) {
    std::string text = std::to_string(value);
    assert(text.size() <= digits);
    text.insert(0, digits - text.size(), '0');
    return text;
}

constexpr std::uint64_t powerOfTen(std::size_t exponent) {
    std::uint64_t value = 1;
    for (std::size_t i = 0; i < exponent; ++i) value *= 10;
    return value;
}

constexpr std::uint64_t kSerialModulus = powerOfTen(protocols::kClaimCodeSerialDigits);
constexpr std::uint64_t kTagModulus = powerOfTen(protocols::kClaimCodeTagDigits);

}  // namespace

ClaimCodeAuthority::ClaimCodeAuthority(std::string_view pepper) {
    // A key of its own, so a code tag never equals any HMAC stored in the ledger.
    const auto derived = protocols::hmacSha256(pepper, "claimgate claim-code key v1");
    key_.assign(reinterpret_cast<const char*>(derived.data()), derived.size());
}

std::string ClaimCodeAuthority::tagFor(const std::string& operator_id,
                                       std::string_view serial) const {
    std::string input = operator_id;
    input.push_back('\n');
    input.append(serial);
    const auto digest = protocols::hmacSha256(key_, input);
    std::uint64_t word = 0;
    std::memcpy(&word, digest.data(), sizeof word);
    return zeroPadded(word % kTagModulus, protocols::kClaimCodeTagDigits);
}

std::string ClaimCodeAuthority::mint(const std::string& operator_id) const {
    std::uint64_t random = 0;
    protocols::fillRandomBytes(&random, sizeof random);
    // 2^64 / 10^12 ~ 1.8e7: the modulo bias is below 1e-7, irrelevant next to the tag.
    const std::string serial =
        zeroPadded(random % kSerialModulus, protocols::kClaimCodeSerialDigits);
    return serial + tagFor(operator_id, serial);
}

bool ClaimCodeAuthority::authentic(const std::string& operator_id, std::string_view code) const {
    if (code.size() != protocols::kClaimCodeDigits ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    const std::string expected =
        tagFor(operator_id, code.substr(0, protocols::kClaimCodeSerialDigits));
    return CRYPTO_memcmp(expected.data(), code.data() + protocols::kClaimCodeSerialDigits,
                         expected.size()) == 0;
}

}  // namespace claimgate::gateway
