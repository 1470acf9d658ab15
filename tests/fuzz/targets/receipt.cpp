// Fuzz target: receipt payloads (contracts §5: the signed receipt of a paid claim). The input is a
// receipt as a terminal or an auditor receives it (JSON with "sig"); the canonical payload is
// re-derived (sorted keys, no "sig") and checked with the real ECDSA verifier, as an offline
// verifier does. Properties: no crash on any bytes or signature text; a payload this process
// signs verifies, and the same signature does not verify a payload with one byte changed; and
// the gateway's hand-written payload (protocols::JsonObjectWriter, receiptPayload) is byte for
// byte nlohmann's dump() of the same members, for whatever strings the input carries (a
// difference would make receipts fail to verify at a terminal that rebuilds the payload).
#include "fuzz_support.hpp"

#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/json_object_writer.hpp>
#include <claimgate/protocols/receipt_code.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <memory>

#include <sys/stat.h>

using namespace claimgate;

namespace {

struct Keys {
    std::shared_ptr<protocols::EcdsaSigner> signer;
    std::shared_ptr<protocols::EcdsaVerifier> verifier;
};

const Keys& keys() {
    static const Keys instance = [] {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        CG_ASSERT(key != nullptr, "an EC key can be generated");
        const std::string private_path = fuzz::scratchDir() + "/receipt-key.pem";
        const std::string public_path = fuzz::scratchDir() + "/receipt-pub.pem";
        FILE* out = std::fopen(private_path.c_str(), "wb");
        CG_ASSERT(out != nullptr &&
                      PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
                  "the scratch private key is written");
        std::fclose(out);
        ::chmod(private_path.c_str(), 0600);  // signers refuse a key others could read
        out = std::fopen(public_path.c_str(), "wb");
        CG_ASSERT(out != nullptr && PEM_write_PUBKEY(out, key) == 1,
                  "the scratch public key is written");
        std::fclose(out);
        EVP_PKEY_free(key);
        auto signer = protocols::EcdsaSigner::fromPemFile(private_path);
        auto verifier = protocols::EcdsaVerifier::fromPemFile(public_path);
        CG_ASSERT(signer.ok() && verifier.ok(), "the scratch keys load");
        return Keys{*signer, *verifier};
    }();
    return instance;
}

/// The payload the gateway writes against dump() of the same seven members. Strings that came
/// out of nlohmann's parser are valid UTF-8, the input the writer promises dump()'s bytes for.
void checkHandWrittenPayload(const nlohmann::json& receipt) {
    const protocols::ReceiptFields fields = protocols::receiptMembersFromJson(receipt);
    const nlohmann::json members = {{"claim_id", fields.claim_id},
                                    {"program", fields.program},
                                    {"amount", fields.amount},
                                    {"channel", fields.channel},
                                    {"terminal_id", fields.terminal_id},
                                    {"paid_at", fields.paid_at},
                                    {"citizen_mask", fields.citizen_mask}};
    CG_ASSERT(protocols::receiptPayload(fields) == members.dump(),
              "the hand-written receipt payload is dump()'s bytes");
    for (const auto& item : receipt.items()) {
        if (!item.value().is_string()) continue;
        std::string written;
        protocols::JsonObjectWriter::appendString(written, item.value().get<std::string>());
        CG_ASSERT(written == item.value().dump(), "a string is escaped as dump() escapes it");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto receipt = protocols::parseJsonObject(text);
    if (!receipt.ok()) {
        // Not JSON: still a signature check on raw bytes (a QR text scanned wrongly).
        (void)keys().verifier->verifyBase64(text, text);
        return 0;
    }
    checkHandWrittenPayload(*receipt);
    nlohmann::json payload = *receipt;
    std::string signature;
    if (const auto sig = payload.find("sig"); sig != payload.end() && sig->is_string()) {
        signature = sig->get<std::string>();
    }
    payload.erase("sig");
    const std::string canonical = payload.dump();
    (void)keys().verifier->verifyBase64(canonical, signature);

    const std::string own = keys().signer->signBase64(canonical);
    CG_ASSERT(keys().verifier->verifyBase64(canonical, own), "a receipt we sign verifies");
    std::string altered = canonical;
    altered[altered.size() / 2] = static_cast<char>(altered[altered.size() / 2] ^ 1);
    CG_ASSERT(!keys().verifier->verifyBase64(altered, own), "an altered receipt is refused");
    return 0;
}
