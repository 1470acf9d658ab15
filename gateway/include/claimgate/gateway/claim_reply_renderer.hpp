// File: claim_reply_renderer.hpp
// The one place where ledger outcomes become what a terminal sees: HTTP status, error code and
// body, exactly as protocols/openapi.yaml states them (contracts §5). The ledger engine calls
// it for keyed operations (their reply is stored with the change); the claim service for the
// rest. It signs receipts, so the ledger library never holds the receipt key.
#pragma once

#include <claimgate/ledger/ledger_operation.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/receipt_code.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace claimgate::gateway {

class ClaimReplyRenderer {
public:
    /// Without a signer receipts carry an empty "sig" (tests, recon).
    explicit ClaimReplyRenderer(std::shared_ptr<protocols::EcdsaSigner> receipt_signer);

    [[nodiscard]] RenderedReply render(const LedgerReply& reply) const;
    /// So that a renderer can be handed to ClaimEngine as its ReplyRenderer.
    RenderedReply operator()(const LedgerReply& reply) const { return render(reply); }

    /// Receipt JSON without "sig", canonical (sorted keys): what the signature covers.
    [[nodiscard]] static std::string receiptPayload(const ClaimRecord& claim);

private:
    [[nodiscard]] static protocols::ReceiptFields receiptFields(const ClaimRecord& claim);
    /// The fields with key_id and sig (empty without a signer).
    [[nodiscard]] protocols::ReceiptFields signedReceipt(const ClaimRecord& claim) const;
    [[nodiscard]] static RenderedReply holdReply(int http_status, const LedgerReply& reply);
    [[nodiscard]] RenderedReply commitReply(int http_status, const LedgerReply& reply) const;

    std::shared_ptr<protocols::EcdsaSigner> receipt_signer_;
};

}  // namespace claimgate::gateway
