// File: receipt_code.cpp
#include <claimgate/protocols/receipt_code.hpp>

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <nlohmann/json.hpp>

#include <vector>

namespace claimgate::protocols {
namespace {

constexpr std::size_t kReceiptFieldCount = 10;
constexpr std::size_t kClaimIdLengthMax = 63;
constexpr std::size_t kTerminalIdLengthMax = 64;
constexpr std::size_t kCitizenMaskLengthMax = 16;
constexpr std::size_t kAmountDigitsMax = 10;

bool isTokenChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

bool allOf(std::string_view text, std::size_t length_max, bool (*allowed)(char)) {
    if (text.empty() || text.size() > length_max) return false;
    for (char c : text) {
        if (!allowed(c)) return false;
    }
    return true;
}

bool isMaskChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*'; }
bool isHexChar(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool isBase64Char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

// Every member the payload and the QR text carry, checked one way for both.
Status validate(const ReceiptFields& receipt) {
    const auto bad = [](const std::string& what) {
        return Status(ErrorCode::bad_field, "receipt: " + what);
    };
    if (!allOf(receipt.claim_id, kClaimIdLengthMax, isTokenChar)) return bad("bad claim_id");
    if (!allOf(receipt.program, kProgramIdLengthMax, isTokenChar)) return bad("bad program");
    if (receipt.amount < 1 || receipt.amount > kAmountMax) return bad("amount out of range");
    if (!parseChannel(receipt.channel)) return bad("unknown channel");
    if (!allOf(receipt.terminal_id, kTerminalIdLengthMax, isTokenChar)) {
        return bad("bad terminal_id");
    }
    if (!parseRfc3339Millis(receipt.paid_at)) return bad("paid_at is not an RFC 3339 time");
    if (!allOf(receipt.citizen_mask, kCitizenMaskLengthMax, isMaskChar)) {
        return bad("bad citizen_mask");
    }
    if (receipt.key_id.size() != kReceiptKeyIdLength ||
        !allOf(receipt.key_id, kReceiptKeyIdLength, isHexChar)) {
        return bad("key_id must be 16 lower-case hex digits");
    }
    if (!allOf(receipt.signature, kReceiptSignatureLengthMax, isBase64Char) ||
        !base64Decode(receipt.signature)) {
        return bad("signature is not base64");
    }
    return Status::okStatus();
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

/// A receipt payload is about 200 bytes; one allocation holds it.
constexpr std::size_t kReceiptPayloadReserve = 256;

/// The seven signed members, and with `signed_members` key_id and sig too, in the sorted order
/// of the canonical form (nlohmann's dump()), so the payload's bytes are those it always had.
void writeReceiptMembers(JsonObjectWriter& writer, const ReceiptFields& receipt,
                         bool signed_members) {
    writer.field("amount", receipt.amount)
        .field("channel", receipt.channel)
        .field("citizen_mask", receipt.citizen_mask)
        .field("claim_id", receipt.claim_id);
    if (signed_members) writer.field("key_id", receipt.key_id);
    writer.field("paid_at", receipt.paid_at).field("program", receipt.program);
    if (signed_members) writer.field("sig", receipt.signature);
    writer.field("terminal_id", receipt.terminal_id);
}

}  // namespace

std::string receiptPayload(const ReceiptFields& receipt) {
    std::string payload;
    payload.reserve(kReceiptPayloadReserve);
    JsonObjectWriter writer(payload);
    writeReceiptMembers(writer, receipt, /*signed_members=*/false);
    writer.endObject();
    return payload;
}

JsonObjectWriter& appendSignedReceipt(JsonObjectWriter& writer, std::string_view key,
                                      const ReceiptFields& receipt) {
    writer.beginObject(key);
    writeReceiptMembers(writer, receipt, /*signed_members=*/true);
    return writer.endObject();
}

ReceiptFields receiptMembersFromJson(const nlohmann::json& receipt) {
    ReceiptFields fields;
    if (!receipt.is_object()) return fields;
    const auto text = [&receipt](const char* name) {
        const auto it = receipt.find(name);
        return it != receipt.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    fields.claim_id = text("claim_id");
    fields.program = text("program");
    const auto amount = receipt.find("amount");
    fields.amount =
        amount != receipt.end() && amount->is_number_integer() ? amount->get<std::int64_t>() : 0;
    fields.channel = text("channel");
    fields.terminal_id = text("terminal_id");
    fields.paid_at = text("paid_at");
    fields.citizen_mask = text("citizen_mask");
    fields.key_id = text("key_id");
    fields.signature = text("sig");
    return fields;
}

Result<ReceiptFields> receiptFromJson(const nlohmann::json& receipt) {
    if (!receipt.is_object()) return Status(ErrorCode::bad_field, "receipt is not an object");
    ReceiptFields fields = receiptMembersFromJson(receipt);
    if (auto status = validate(fields); !status.ok()) return status;
    return fields;
}

std::string encodeReceiptQr(const ReceiptFields& receipt) {
    std::string text(kReceiptQrPrefix);
    for (const std::string& part :
         {receipt.claim_id, receipt.program, std::to_string(receipt.amount), receipt.channel,
          receipt.terminal_id, receipt.paid_at, receipt.citizen_mask, receipt.key_id,
          receipt.signature}) {
        text += '|';
        text += part;
    }
    return text;
}

Result<ReceiptFields> decodeReceiptQr(std::string_view text) {
    if (text.size() > kReceiptQrLengthMax) {
        return Status(ErrorCode::bad_field,
                      "receipt text longer than " + std::to_string(kReceiptQrLengthMax));
    }
    const auto parts = split(text, '|');
    if (parts.size() != kReceiptFieldCount || parts[0] != kReceiptQrPrefix) {
        return Status(ErrorCode::bad_field, "not a claimgate receipt (expected " +
                                                std::string(kReceiptQrPrefix) + " and " +
                                                std::to_string(kReceiptFieldCount - 1) +
                                                " fields separated by |)");
    }
    ReceiptFields fields;
    fields.claim_id = parts[1];
    fields.program = parts[2];
    const std::string_view amount = parts[3];
    // Canonical decimal only (no sign, no leading zero), so one receipt has one text.
    if (amount.empty() || amount.size() > kAmountDigitsMax || amount.front() == '0' ||
        !allOf(amount, kAmountDigitsMax, [](char c) { return c >= '0' && c <= '9'; })) {
        return Status(ErrorCode::bad_field, "receipt: amount is not a positive whole number");
    }
    fields.amount = std::stoll(std::string(amount));
    fields.channel = parts[4];
    fields.terminal_id = parts[5];
    fields.paid_at = parts[6];
    fields.citizen_mask = parts[7];
    fields.key_id = parts[8];
    fields.signature = parts[9];
    if (auto status = validate(fields); !status.ok()) return status;
    return fields;
}

ReceiptVerifier::ReceiptVerifier(std::shared_ptr<EcdsaVerifier> verifier)
    : verifier_(std::move(verifier)), key_id_(verifier_->keyId()) {}

Result<ReceiptVerifier> ReceiptVerifier::fromPemFile(const std::string& path) {
    auto verifier = EcdsaVerifier::fromPemFile(path);
    if (!verifier.ok()) return verifier.status();
    return ReceiptVerifier(std::move(verifier).value());
}

ReceiptCheck ReceiptVerifier::check(std::string_view qr_text, std::string& why) const {
    auto fields = decodeReceiptQr(qr_text);
    if (!fields.ok()) {
        why = fields.status().message();
        return ReceiptCheck::malformed;
    }
    if (fields->key_id != key_id_) {
        why = "signed by key " + fields->key_id + ", the certificate holds key " + key_id_;
        return ReceiptCheck::altered;
    }
    if (!verifier_->verifyBase64(receiptPayload(*fields), fields->signature)) {
        why = "the signature does not match the receipt's contents (altered or forged)";
        return ReceiptCheck::altered;
    }
    why = "genuine: claim " + fields->claim_id + ", " + std::to_string(fields->amount) + " " +
          fields->program + ", paid " + fields->paid_at + " at " + fields->terminal_id;
    return ReceiptCheck::genuine;
}

}  // namespace claimgate::protocols
