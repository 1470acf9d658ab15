// File: claim_reply_renderer.hpp
// The one place where ledger outcomes become what a terminal sees: HTTP status, error code and
// body, exactly as protocols/openapi.yaml states them (contracts §5). The ledger engine calls
// it for keyed operations (their reply is stored with the change); the claim service for the
// rest. It signs receipts, so the ledger library never holds the receipt key.
#pragma once

#include <claimgate/ledger/ledger_operation.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>

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
    [[nodiscard]] nlohmann::json signedReceipt(const ClaimRecord& claim) const;

    std::shared_ptr<protocols::EcdsaSigner> receipt_signer_;
};

}  // namespace claimgate::gateway
