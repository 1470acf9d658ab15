#include <claimgate/protocols/citizen_keys.hpp>

#include "hmac_pads.hpp"

// SHA-256's low-level interface is deprecated since OpenSSL 3.0 in favour of EVP, but EVP
// copies a digest state through its provider (a context duplicated on the heap, the old one
// freed): 168 ns per HMAC of an ID on this box against 122 ns with SHA256_CTX, a plain struct
// copied by assignment that runs the same compression code. A national import keys 46 million
// values, so that is 2 s of CPU.
// The deprecation is silenced for this file's use of it only.
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace claimgate::protocols {

/// SHA-256 states after absorbing pepper ^ ipad and pepper ^ opad (RFC 2104).
struct CitizenKeys::PaddedKey {
    SHA256_CTX inner;
    SHA256_CTX outer;
};

namespace {

void check(int result) {
    if (result != 1) throw std::runtime_error("hmac-sha256 failed");
}

}  // namespace

CitizenKeys::CitizenKeys(std::string pepper) {
    auto key = std::make_shared<PaddedKey>();
    const HmacPads pads(pepper);
    check(SHA256_Init(&key->inner));
    check(SHA256_Update(&key->inner, pads.inner().data(), pads.inner().size()));
    check(SHA256_Init(&key->outer));
    check(SHA256_Update(&key->outer, pads.outer().data(), pads.outer().size()));
    key_ = std::move(key);
}

Sha256Digest CitizenKeys::hmac(std::string_view a, std::string_view b) const {
    // Copying a precomputed state is the whole cost of the key.
    Sha256Digest inner{};
    Sha256Digest digest{};
    SHA256_CTX work = key_->inner;
    check(SHA256_Update(&work, a.data(), a.size()));
    if (!b.empty()) check(SHA256_Update(&work, b.data(), b.size()));
    check(SHA256_Final(inner.data(), &work));
    work = key_->outer;
    check(SHA256_Update(&work, inner.data(), inner.size()));
    check(SHA256_Final(digest.data(), &work));
    return digest;
}

#pragma GCC diagnostic pop

Sha256Digest CitizenKeys::citizenKey(std::string_view normalised_id) const {
    return hmac(normalised_id);
}

Sha256Digest CitizenKeys::nhiHash(std::string_view nhi_card_no) const {
    return hmac("nhi:", nhi_card_no);
}

std::uint64_t CitizenKeys::nhiTagOf(const Sha256Digest& nhi_hash) noexcept {
    std::uint64_t tag = 0;
    std::memcpy(&tag, nhi_hash.data(), sizeof tag);
    return tag;
}

std::uint64_t CitizenKeys::nhiTag(std::string_view nhi_card_no) const {
    return nhiTagOf(nhiHash(nhi_card_no));
}

Sha256Digest CitizenKeys::requestHash(std::string_view route,
                                      std::string_view canonical_body) const {
    std::string input(route);
    input.push_back('\n');
    input += canonical_body;
    return hmac(input);
}

}  // namespace claimgate::protocols
