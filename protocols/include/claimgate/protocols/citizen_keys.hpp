// File: citizen_keys.hpp
// The one place that turns plaintext citizen data into keys (contracts §3, invariant 5): every
// caller (claim service, roster import, `claimgate-recon pull`, test support) derives citizen
// keys, NHI hashes and keyed request hashes here, so a change of the rule is made once.
//
//   CitizenKeys keys(pepper);
//   keys.citizenKey("A123456789");   // HMAC-SHA256(pepper, normalised ID)
//   keys.nhiHash("000012345678");    // HMAC-SHA256(pepper, "nhi:" + NHI number)
//
// Thread-safety: const methods may be called from any number of threads at once. Copies share
// the precomputed HMAC state (cheap to copy).
#pragma once

#include <claimgate/protocols/digest.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace claimgate::protocols {

class CitizenKeys {
public:
    /// `pepper` is the deployment's secret (32 random bytes from the data directory).
    explicit CitizenKeys(std::string pepper);

    /// HMAC-SHA256(pepper, ID). Precondition: `normalised_id` is a validated, upper-case ID.
    [[nodiscard]] Sha256Digest citizenKey(std::string_view normalised_id) const;
    /// HMAC-SHA256(pepper, "nhi:" + number): the prefix keeps the two key spaces apart.
    [[nodiscard]] Sha256Digest nhiHash(std::string_view nhi_card_no) const;
    /// The first 8 bytes of nhiHash(), which is what the in-memory index compares.
    [[nodiscard]] std::uint64_t nhiTag(std::string_view nhi_card_no) const;
    [[nodiscard]] static std::uint64_t nhiTagOf(const Sha256Digest& nhi_hash) noexcept;
    /// Keyed hash of a canonical request (idempotency): the input contains the citizen ID, and
    /// an unkeyed hash of a 10-character ID could be reversed by brute force.
    [[nodiscard]] Sha256Digest requestHash(std::string_view route,
                                           std::string_view canonical_body) const;

private:
    /// HMAC-SHA256(pepper, a + b): the same value as hmacSha256(pepper, a + b), from SHA-256
    /// states of the padded pepper computed once (a national import keys ~45M values).
    [[nodiscard]] Sha256Digest hmac(std::string_view a, std::string_view b = {}) const;

    struct PaddedKey;
    std::shared_ptr<const PaddedKey> key_;
};

}  // namespace claimgate::protocols
