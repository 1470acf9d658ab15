#include "hmac_pads.hpp"

#include <claimgate/protocols/digest.hpp>

#include <openssl/crypto.h>

#include <algorithm>

namespace claimgate::protocols {

HmacPads::HmacPads(std::string_view key) {
    std::array<unsigned char, kBlockBytes> block{};
    if (key.size() > block.size()) {
        const Sha256Digest short_key = sha256(key);
        std::copy(short_key.begin(), short_key.end(), block.begin());
    } else {
        std::copy(key.begin(), key.end(), block.begin());
    }
    for (std::size_t i = 0; i < kBlockBytes; ++i) {
        inner_[i] = static_cast<unsigned char>(block[i] ^ 0x36U);
        outer_[i] = static_cast<unsigned char>(block[i] ^ 0x5cU);
    }
    OPENSSL_cleanse(block.data(), block.size());
}

HmacPads::~HmacPads() {
    OPENSSL_cleanse(inner_.data(), inner_.size());
    OPENSSL_cleanse(outer_.data(), outer_.size());
}

}  // namespace claimgate::protocols
