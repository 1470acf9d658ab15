// File: receipt_code.hpp
// A paid claim's receipt (contracts §5): the signed payload, the compact printable form a
// terminal prints as a QR code, and the one offline verifier the SDK (cg_verify_receipt) and
// `claimgate-recon receipt verify` share.
//
// QR text: CGR1|claim_id|program|amount|channel|terminal_id|paid_at|citizen_mask|key_id|sig
// where sig is base64 of the DER ECDSA P-256 signature over receiptPayload() and key_id names
// the receipt key (EcdsaSigner::keyId).
#pragma once

#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/json_object_writer.hpp>
#include <claimgate/protocols/status.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace claimgate::protocols {

inline constexpr std::string_view kReceiptQrPrefix = "CGR1";
/// Longest QR text accepted (a real one is ~230 characters).
inline constexpr std::size_t kReceiptQrLengthMax = 480;
inline constexpr std::size_t kReceiptKeyIdLength = 16;
inline constexpr std::size_t kReceiptSignatureLengthMax = 120;  // base64 of a DER P-256 sig

struct ReceiptFields {
    std::string claim_id;
    std::string program;
    std::int64_t amount = 0;
    std::string channel;
    std::string terminal_id;
    std::string paid_at;  ///< RFC 3339 with milliseconds, UTC ("2023-04-10T01:00:12.345Z")
    std::string citizen_mask;
    std::string key_id;
    std::string signature;  ///< base64(DER)
};

/// The signed message: compact JSON of the seven receipt members, keys sorted.
[[nodiscard]] std::string receiptPayload(const ReceiptFields& receipt);
/// The receipt as a commit reply carries it (the seven members, key_id and sig), written as the
/// object member `key` of the writer's open object.
JsonObjectWriter& appendSignedReceipt(JsonObjectWriter& writer, std::string_view key,
                                      const ReceiptFields& receipt);
/// The members of a "receipt" object as they are, unchecked: a missing member or one of the
/// wrong type is left empty (or 0). For callers that must see what a receipt carries whether or
/// not it is valid (the receipt fuzz target); everyone else wants receiptFromJson.
[[nodiscard]] ReceiptFields receiptMembersFromJson(const nlohmann::json& receipt);
/// From the "receipt" object of a commit reply; bad_field when a member is missing or invalid.
[[nodiscard]] Result<ReceiptFields> receiptFromJson(const nlohmann::json& receipt);
[[nodiscard]] std::string encodeReceiptQr(const ReceiptFields& receipt);
/// bad_field naming the first wrong part when the text is not a receipt.
[[nodiscard]] Result<ReceiptFields> decodeReceiptQr(std::string_view text);

enum class ReceiptCheck { genuine, altered, malformed };

class ReceiptVerifier {
public:
    /// The receipt certificate (receipt.pem) or its public key.
    static Result<ReceiptVerifier> fromPemFile(const std::string& path);

    /// genuine: signed by this key; altered: well-formed but the signature or key id does not
    /// match (forged or changed); malformed: not a receipt. `why` explains.
    [[nodiscard]] ReceiptCheck check(std::string_view qr_text, std::string& why) const;
    [[nodiscard]] const std::string& keyId() const noexcept { return key_id_; }

private:
    explicit ReceiptVerifier(std::shared_ptr<EcdsaVerifier> verifier);
    std::shared_ptr<EcdsaVerifier> verifier_;
    std::string key_id_;
};

}  // namespace claimgate::protocols
