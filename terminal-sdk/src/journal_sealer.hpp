// File: journal_sealer.hpp
// Keeps personal data out of the journal at rest (issue 11, contracts §7): the one row kind that
// must carry a citizen's identity - a reserve whose answer was lost, replayed with the same
// Idempotency-Key to learn and release its hold - stores its body sealed with AES-256-GCM under
// a key derived from the terminal's private key (HMAC-SHA256 of the key's DER encoding). The
// journal file alone reveals nothing; whoever also holds the terminal key can act as the
// terminal anyway.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace claimgate::sdk {

class JournalSealer {
public:
    static constexpr std::size_t kKeyBytes = 32;

    /// Derives the sealing key from a PEM private key file.
    static protocols::Result<JournalSealer> fromPrivateKeyFile(const std::string& key_file);
    explicit JournalSealer(const std::array<unsigned char, kKeyBytes>& key) : key_(key) {}

    /// "g1:" + base64(nonce | ciphertext | tag); a fresh random nonce per call.
    [[nodiscard]] std::string seal(std::string_view plaintext) const;
    /// nullopt when the text was not sealed by this key (another terminal key, or corrupted).
    [[nodiscard]] std::optional<std::string> open(std::string_view sealed) const;
    [[nodiscard]] static bool isSealed(std::string_view text) noexcept;

private:
    std::array<unsigned char, kKeyBytes> key_;
};

}  // namespace claimgate::sdk
