#include <claimgate/gateway/claim_reply_renderer.hpp>

#include <claimgate/protocols/error_code.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/json_object_writer.hpp>
#include <claimgate/protocols/messages.hpp>
#include <claimgate/protocols/receipt_code.hpp>
#include <claimgate/protocols/status.hpp>
#include <claimgate/protocols/time_format.hpp>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

RenderedReply errorReply(const Status& status) {
    return RenderedReply{status.httpStatus(), protocols::encodeErrorEnvelope(status)};
}

RenderedReply jsonReply(int http_status, const nlohmann::json& body) {
    return RenderedReply{http_status, body.dump()};
}

/// Where and since when a citizen is blocked (409 already_claimed / excluded detail).
nlohmann::json blockingDetail(const ClaimRecord& claim) {
    return {{"status", protocols::claimStatusName(claim.status)},
            {"channel", protocols::channelName(claim.channel)},
            {"at", protocols::formatRfc3339Millis(claim.blockingSince())}};
}

/// A hold reply is about 250 bytes and a commit reply with its receipt about 400: one
/// allocation holds either.
constexpr std::size_t kReplyBodyReserve = 512;

const ClaimRecord& claimOf(const LedgerReply& reply) {
    CG_ASSERT(reply.claim.has_value(), "this outcome carries its claim");
    return *reply.claim;
}

RenderedReply invalidTransition(const LedgerReply& reply) {
    const ClaimRecord& claim = claimOf(reply);
    const nlohmann::json detail = {{"status", protocols::claimStatusName(claim.status)}};
    switch (reply.kind) {
        case OperationKind::commit:
            return errorReply(Status(ErrorCode::invalid_transition,
                                     "the claim was voided and cannot be paid", detail));
        case OperationKind::void_claim:
            return errorReply(Status(ErrorCode::invalid_transition,
                                     "the claim is paid and cannot be voided", detail));
        default:
            return errorReply(Status(ErrorCode::invalid_transition,
                                     "only in_doubt claims can be resolved", detail));
    }
}

}  // namespace

ClaimReplyRenderer::ClaimReplyRenderer(std::shared_ptr<protocols::EcdsaSigner> receipt_signer)
    : receipt_signer_(std::move(receipt_signer)) {}

protocols::ReceiptFields ClaimReplyRenderer::receiptFields(const ClaimRecord& claim) {
    protocols::ReceiptFields fields;
    fields.claim_id = claim.claim_id;
    fields.program = claim.program;
    fields.amount = claim.amount;
    fields.channel = std::string(protocols::channelName(claim.channel));
    fields.terminal_id = claim.terminal_id;
    fields.paid_at = protocols::formatRfc3339Millis(claim.paid_at.value_or(0));
    fields.citizen_mask = claim.citizen_mask;
    return fields;
}

std::string ClaimReplyRenderer::receiptPayload(const ClaimRecord& claim) {
    return protocols::receiptPayload(receiptFields(claim));
}

protocols::ReceiptFields ClaimReplyRenderer::signedReceipt(const ClaimRecord& claim) const {
    protocols::ReceiptFields fields = receiptFields(claim);
    fields.signature =
        receipt_signer_ ? receipt_signer_->signBase64(protocols::receiptPayload(fields)) : "";
    // Not signed: names the key so a printed receipt (protocols/receipt_code.hpp) can say which
    // certificate verifies it.
    fields.key_id = receipt_signer_ ? receipt_signer_->keyId() : std::string();
    return fields;
}

// The two replies every claim gets, written directly (protocols/json_object_writer.hpp says
// why); the bytes are those nlohmann's dump() wrote before, keys in sorted order.
RenderedReply ClaimReplyRenderer::holdReply(int http_status, const LedgerReply& reply) {
    const ClaimRecord& claim = claimOf(reply);
    RenderedReply rendered{http_status, {}};
    rendered.body.reserve(kReplyBodyReserve);
    protocols::JsonObjectWriter(rendered.body)
        .field("amount", claim.amount)
        .field("channel", protocols::channelName(claim.channel))
        .field("claim_code", claim.claim_code)
        .field("claim_id", claim.claim_id)
        .field("currency", reply.currency)
        .field("expires_at", protocols::formatRfc3339Millis(claim.expires_at))
        .field("program", claim.program)
        .field("status", "held")
        .endObject();
    return rendered;
}

RenderedReply ClaimReplyRenderer::commitReply(int http_status, const LedgerReply& reply) const {
    const ClaimRecord& claim = claimOf(reply);
    const protocols::ReceiptFields receipt = signedReceipt(claim);
    RenderedReply rendered{http_status, {}};
    rendered.body.reserve(kReplyBodyReserve);
    protocols::JsonObjectWriter writer(rendered.body);
    writer.field("claim_id", claim.claim_id);
    protocols::appendSignedReceipt(writer, "receipt", receipt);
    writer.field("status", "paid").endObject();
    return rendered;
}

RenderedReply ClaimReplyRenderer::render(const LedgerReply& reply) const {
    switch (reply.outcome) {
        case LedgerOutcome::replayed:
            // The stored bytes, exactly (contracts invariant 3).
            return RenderedReply{reply.http_status, reply.body};
        case LedgerOutcome::unavailable:
            return errorReply(Status(ErrorCode::not_ready,
                                     "the ledger could not confirm the write, so its outcome "
                                     "is not known: retry with the same Idempotency-Key"));
        case LedgerOutcome::key_reused:
            return errorReply(Status(ErrorCode::idempotency_key_reused,
                                     "Idempotency-Key was already used for a different request",
                                     {{"key", reply.ref}}));
        case LedgerOutcome::already_claimed:
            return errorReply(Status(
                ErrorCode::already_claimed, "this citizen already has a claim for the program",
                reply.claim ? blockingDetail(*reply.claim) : nlohmann::json::object()));
        case LedgerOutcome::excluded: {
            nlohmann::json detail = blockingDetail(claimOf(reply));
            detail["program"] = reply.excluding_program;
            return errorReply(Status(
                ErrorCode::excluded,
                "payees of " + reply.excluding_program + " may not claim this program", detail));
        }
        case LedgerOutcome::not_found:
            return errorReply(
                Status(ErrorCode::unknown_claim, "no such claim", {{"claim", reply.ref}}));
        case LedgerOutcome::operator_mismatch:
            return errorReply(
                Status(ErrorCode::operator_mismatch, "the claim belongs to another operator"));
        case LedgerOutcome::channel_mismatch:
            return errorReply(
                Status(ErrorCode::channel_mismatch, "the claim was made on another channel",
                       {{"channel", protocols::channelName(claimOf(reply).channel)}}));
        case LedgerOutcome::pos_required:
            return errorReply(Status(ErrorCode::pos_required,
                                     reply.kind == OperationKind::commit
                                         ? "a kiosk slip is paid only at a POS till of the same "
                                           "operator"
                                         : "a kiosk slip is voided only at a POS till or by the "
                                           "kiosk that printed it"));
        case LedgerOutcome::not_holding_terminal:
            return errorReply(Status(ErrorCode::not_holding_terminal,
                                     "only the terminal that made the hold may commit or void it"));
        case LedgerOutcome::amount_mismatch:
            return errorReply(Status(ErrorCode::amount_mismatch,
                                     "amount differs from the held amount",
                                     {{"expected", claimOf(reply).amount}}));
        case LedgerOutcome::invalid_transition:
            return invalidTransition(reply);
        case LedgerOutcome::created:
        case LedgerOutcome::done:
        case LedgerOutcome::unchanged:
            break;
    }
    // Success: the body depends on the operation.
    const int status = reply.outcome == LedgerOutcome::created ? 201 : 200;
    switch (reply.kind) {
        case OperationKind::hold:
            return holdReply(status, reply);
        case OperationKind::commit:
            return commitReply(status, reply);
        case OperationKind::void_claim:
            return jsonReply(status, {{"claim_id", claimOf(reply).claim_id}, {"status", "voided"}});
        case OperationKind::sweep:
            return jsonReply(status, {{"expired", reply.expired}, {"purged", reply.purged}});
        case OperationKind::resolve:
        case OperationKind::import_payout:
            return jsonReply(status, claimOf(reply).toJson());
        case OperationKind::read_claim: {
            nlohmann::json body = claimOf(reply).toJson();
            if (claimOf(reply).status == protocols::ClaimStatus::paid) {
                // A reprint (cg_get_receipt): rare, so the receipt is written once and parsed.
                std::string receipt;
                protocols::JsonObjectWriter writer(receipt);
                protocols::appendSignedReceipt(writer, "receipt", signedReceipt(claimOf(reply)))
                    .endObject();
                body["receipt"] = nlohmann::json::parse(receipt).at("receipt");
            }
            return jsonReply(status, body);
        }
        case OperationKind::lookup_reply:
            break;
    }
    // A lookup that found no stored reply is answered by the service's own refusal.
    CG_ASSERT(false, "a lookup_reply that found no key is answered by the service, not rendered");
    return errorReply(Status(ErrorCode::internal, "unrenderable ledger outcome"));
}

}  // namespace claimgate::gateway
