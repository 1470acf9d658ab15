// File: claim_batch.cpp
#include <claimgate/troad/claim_batch.hpp>

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <nlohmann/json.hpp>

#include "troad_json.hpp"

namespace claimgate::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

bool isLowerHex64(std::string_view text) {
    if (text.size() != 64) {
        return false;
    }
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

Status badClaim(std::size_t index, const char* field, const std::string& message) {
    return detail::atIndex(Status{ErrorCode::bad_field, message, {{"field", field}}}, "claims",
                           index);
}

}  // namespace

Result<std::string> ClaimBatch::toJson() const {
    if (!protocols::isValidIdempotencyKey(batch_id)) {
        return Status{ErrorCode::bad_field, "batch_id must be 1..64 of [A-Za-z0-9._:-]",
                      {{"field", "batch_id"}}};
    }
    if (!protocols::isValidIdempotencyKey(gateway_id)) {
        return Status{ErrorCode::bad_field, "gateway_id must be 1..64 of [A-Za-z0-9._:-]",
                      {{"field", "gateway_id"}}};
    }
    if (claims.empty() || claims.size() > kClaimBatchClaimsMax) {
        return Status{ErrorCode::bad_field,
                      "a batch holds 1.." + std::to_string(kClaimBatchClaimsMax) + " claims",
                      {{"field", "claims"}}};
    }
    nlohmann::json array = nlohmann::json::array();
    for (std::size_t i = 0; i < claims.size(); ++i) {
        const auto& claim = claims[i];
        // The platform must never receive a plaintext ID from the gateway: only the HMAC key.
        if (!isLowerHex64(claim.citizen_key)) {
            return badClaim(i, "citizen_key", "citizen_key must be 64 lower-case hex digits");
        }
        if (claim.claim_id.empty() || claim.program.empty() || claim.channel.empty() ||
            claim.status.empty()) {
            return badClaim(i, "claim_id", "claim_id, program, channel and status are required");
        }
        if (claim.amount < 0 || claim.amount > protocols::kAmountMax) {
            return badClaim(i, "amount", "amount out of range");
        }
        array.push_back({{"claim_id", claim.claim_id},
                         {"program", claim.program},
                         {"citizen_key", claim.citizen_key},
                         {"channel", claim.channel},
                         {"operator", claim.operator_id},
                         {"terminal_id", claim.terminal_id},
                         {"terminal_ref", claim.terminal_ref},
                         {"amount", claim.amount},
                         {"status", claim.status},
                         {"held_at", claim.held_at},
                         {"paid_at", claim.paid_at}});
    }
    // nlohmann::json objects keep keys sorted, so dump() is canonical.
    const nlohmann::json body = {
        {"batch_id", batch_id}, {"gateway_id", gateway_id}, {"claims", std::move(array)}};
    std::string text = body.dump();
    if (text.size() > kTroadRequestBytesMax) {
        return Status{ErrorCode::body_too_large,
                      "claim batch body larger than " + std::to_string(kTroadRequestBytesMax) +
                          " bytes"};
    }
    return text;
}

Result<ClaimBatchReceipt> ClaimBatchReceipt::fromJson(std::string_view body) {
    auto parsed = protocols::parseJsonObject(body);
    if (!parsed) {
        return parsed.status();
    }
    ClaimBatchReceipt receipt;
    protocols::JsonFields fields(parsed.value());
    fields.requireString("batch_id", kBatchIdLengthMax, receipt.batch_id);
    fields.requireInteger("accepted", 0, static_cast<std::int64_t>(kClaimBatchClaimsMax),
                          receipt.accepted);
    fields.requireString("received_at", 40, receipt.received_at);
    fields.requireString("batch_sha256", 64, receipt.batch_sha256);
    if (!fields.ok()) {
        return fields.status();
    }
    return receipt;
}

}  // namespace claimgate::troad
