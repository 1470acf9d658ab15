#include <claimgate/protocols/digest.hpp>

#include "hmac_pads.hpp"
#include "openssl_algorithms.hpp"

#include <openssl/evp.h>

#include <new>
#include <stdexcept>

namespace claimgate::protocols {

// OpenSSL 3 looks an algorithm up by name in its provider tables, under a lock, on every
// SHA256(), HMAC() or EVP_sha256() digest init that is not given a fetched EVP_MD: a profile of
// the ledger writer showed 10 % of its time in those locks. Fetched once, kept for the
// process's life.
const EVP_MD* sha256Algorithm() {
    static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (algorithm == nullptr) throw std::runtime_error("OpenSSL has no SHA256");
    return algorithm;
}

namespace {

/// One context per thread, re-initialised per digest: no allocation per call.
class Sha256Context {
public:
    Sha256Context() : context_(EVP_MD_CTX_new()) {
        if (context_ == nullptr) throw std::bad_alloc();
    }
    ~Sha256Context() { EVP_MD_CTX_free(context_); }
    Sha256Context(const Sha256Context&) = delete;
    Sha256Context& operator=(const Sha256Context&) = delete;

    void begin() { check(EVP_DigestInit_ex(context_, sha256Algorithm(), nullptr)); }
    void add(std::string_view bytes) {
        check(EVP_DigestUpdate(context_, bytes.data(), bytes.size()));
    }
    void add(const unsigned char* bytes, std::size_t size) {
        check(EVP_DigestUpdate(context_, bytes, size));
    }
    Sha256Digest finish() {
        Sha256Digest digest{};
        unsigned int length = 0;
        check(EVP_DigestFinal_ex(context_, digest.data(), &length));
        if (length != digest.size()) throw std::runtime_error("sha256 failed");
        return digest;
    }

private:
    static void check(int ok) {
        if (ok != 1) throw std::runtime_error("sha256 failed");
    }
    EVP_MD_CTX* context_;
};

Sha256Context& threadContext() {
    thread_local Sha256Context context;
    return context;
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
    Sha256Context& context = threadContext();
    context.begin();
    context.add(data);
    return context.finish();
}

Sha256Digest sha256Concat(std::string_view first, std::string_view second) {
    Sha256Context& context = threadContext();
    context.begin();
    context.add(first);
    context.add(second);
    return context.finish();
}

// RFC 2104 over the fetched SHA-256, for the reason above (HMAC() fetches "HMAC" and "SHA256"
// by name on every call).
Sha256Digest hmacSha256(std::string_view key, std::string_view data) {
    const HmacPads pads(key);
    Sha256Context& context = threadContext();
    context.begin();
    context.add(pads.inner().data(), pads.inner().size());
    context.add(data);
    const Sha256Digest inner = context.finish();
    context.begin();
    context.add(pads.outer().data(), pads.outer().size());
    context.add(inner.data(), inner.size());
    return context.finish();
}

std::string toHex(const std::uint8_t* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex(size * 2, '0');
    for (std::size_t i = 0; i < size; ++i) {
        hex[2 * i] = kDigits[data[i] >> 4];
        hex[2 * i + 1] = kDigits[data[i] & 0x0f];
    }
    return hex;
}

std::optional<std::string> fromHex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string bytes(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const int high = nibble(hex[2 * i]);
        const int low = nibble(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        bytes[i] = static_cast<char>((high << 4) | low);
    }
    return bytes;
}

std::string base64Encode(std::string_view bytes) {
    std::string text(4 * ((bytes.size() + 2) / 3), '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                        reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()));
    text.resize(static_cast<std::size_t>(written));
    return text;
}

std::optional<std::string> base64Decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock is lenient (it decodes '=' in the middle and "Z===" as bytes), so check
    // the alphabet and that padding is only the last one or two characters first: a signature
    // must have exactly one text form.
    std::size_t padding = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (c == '=') {
            ++padding;
        } else if (!alphabet || padding > 0) {
            return std::nullopt;
        }
    }
    if (padding > 2) {
        return std::nullopt;
    }
    std::string bytes(3 * text.size() / 4, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                        reinterpret_cast<const unsigned char*>(text.data()),
                                        static_cast<int>(text.size()));
    if (written < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts padding as zero bytes; drop them.
    std::size_t size = static_cast<std::size_t>(written);
    if (!text.empty() && text.back() == '=') --size;
    if (text.size() > 1 && text[text.size() - 2] == '=') --size;
    bytes.resize(size);
    return bytes;
}

}  // namespace claimgate::protocols
