#include <claimgate/protocols/citizen_keys.hpp>

#include "hmac_pads.hpp"
#include "openssl_algorithms.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace claimgate::protocols {
namespace {

struct ContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using ContextPtr = std::unique_ptr<EVP_MD_CTX, ContextFree>;

ContextPtr newContext() {
    ContextPtr context(EVP_MD_CTX_new());
    if (!context) throw std::bad_alloc();
    return context;
}

void check(int result) {
    if (result != 1) throw std::runtime_error("hmac-sha256 failed");
}

}  // namespace

/// SHA-256 states after absorbing pepper ^ ipad and pepper ^ opad (RFC 2104).
struct CitizenKeys::PaddedKey {
    ContextPtr inner = newContext();
    ContextPtr outer = newContext();
};

CitizenKeys::CitizenKeys(std::string pepper) {
    auto key = std::make_shared<PaddedKey>();
    const HmacPads pads(pepper);
    check(EVP_DigestInit_ex(key->inner.get(), sha256Algorithm(), nullptr));
    check(EVP_DigestUpdate(key->inner.get(), pads.inner().data(), pads.inner().size()));
    check(EVP_DigestInit_ex(key->outer.get(), sha256Algorithm(), nullptr));
    check(EVP_DigestUpdate(key->outer.get(), pads.outer().data(), pads.outer().size()));
    key_ = std::move(key);
}

Sha256Digest CitizenKeys::hmac(std::string_view a, std::string_view b) const {
    // One scratch context per thread: copying a precomputed state is the whole cost.
    thread_local ContextPtr work = newContext();
    Sha256Digest inner{};
    Sha256Digest digest{};
    unsigned int length = 0;
    check(EVP_MD_CTX_copy_ex(work.get(), key_->inner.get()));
    check(EVP_DigestUpdate(work.get(), a.data(), a.size()));
    if (!b.empty()) check(EVP_DigestUpdate(work.get(), b.data(), b.size()));
    check(EVP_DigestFinal_ex(work.get(), inner.data(), &length));
    check(EVP_MD_CTX_copy_ex(work.get(), key_->outer.get()));
    check(EVP_DigestUpdate(work.get(), inner.data(), inner.size()));
    check(EVP_DigestFinal_ex(work.get(), digest.data(), &length));
    return digest;
}

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
