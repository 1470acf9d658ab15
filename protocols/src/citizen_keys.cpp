#include <claimgate/protocols/citizen_keys.hpp>

#include <cstring>

namespace claimgate::protocols {

CitizenKeys::CitizenKeys(std::string pepper) : pepper_(std::move(pepper)) {}

Sha256Digest CitizenKeys::citizenKey(std::string_view normalised_id) const {
    return hmacSha256(pepper_, normalised_id);
}

Sha256Digest CitizenKeys::nhiHash(std::string_view nhi_card_no) const {
    std::string input("nhi:");
    input += nhi_card_no;
    return hmacSha256(pepper_, input);
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
    return hmacSha256(pepper_, input);
}

}  // namespace claimgate::protocols
