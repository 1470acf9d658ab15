// File: claim_batch.cpp
#include <claimgate/troad/claim_batch.hpp>

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <utility>

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

Status validateEnvelope(const std::string& batch_id, const std::string& gateway_id,
                        std::size_t claims) {
    if (!protocols::isValidIdempotencyKey(batch_id)) {
        return Status{ErrorCode::bad_field,
                      "batch_id must be 1..64 of [A-Za-z0-9._:-]",
                      {{"field", "batch_id"}}};
    }
    if (!protocols::isValidIdempotencyKey(gateway_id)) {
        return Status{ErrorCode::bad_field,
                      "gateway_id must be 1..64 of [A-Za-z0-9._:-]",
                      {{"field", "gateway_id"}}};
    }
    if (claims == 0 || claims > kClaimBatchClaimsMax) {
        return Status{ErrorCode::body_too_large,
                      "a batch holds 1.." + std::to_string(kClaimBatchClaimsMax) + " claims",
                      {{"field", "claims"}}};
    }
    return Status::okStatus();
}

Status validateClaim(const BatchClaim& claim, std::size_t index) {
    // The platform must never receive a plaintext ID from the gateway: only the HMAC key.
    if (!isLowerHex64(claim.citizen_key)) {
        return badClaim(index, "citizen_key", "citizen_key must be 64 lower-case hex digits");
    }
    if (claim.claim_id.empty() || claim.program.empty() || claim.channel.empty() ||
        claim.status.empty()) {
        return badClaim(index, "claim_id", "claim_id, program, channel and status are required");
    }
    if (claim.amount < 0 || claim.amount > protocols::kAmountMax) {
        return badClaim(index, "amount", "amount out of range");
    }
    return Status::okStatus();
}

Result<BatchClaim> decodeClaim(const nlohmann::json& value, std::size_t index) {
    if (!value.is_object()) {
        return badClaim(index, "claims", "claim must be an object");
    }
    if (value.contains("citizen_id")) {
        return detail::atIndex(Status{ErrorCode::bad_field,
                                      "carries citizen_id; send citizen_key only",
                                      {{"field", "citizen_id"}, {"plaintext", true}}},
                               "claims", index);
    }
    protocols::JsonFields fields(value);
    BatchClaim claim;
    std::optional<std::string> operator_id, terminal_id, terminal_ref, held_at, paid_at;
    fields.requireString("claim_id", kBatchIdLengthMax, claim.claim_id);
    fields.requireString("program", protocols::kProgramIdLengthMax, claim.program);
    fields.requireString("citizen_key", 64, claim.citizen_key);
    fields.requireString("channel", 32, claim.channel);
    fields.requireString("status", 16, claim.status);
    fields.requireInteger("amount", 0, protocols::kAmountMax, claim.amount);
    fields.optionalString("operator", 64, operator_id);
    fields.optionalString("terminal_id", 64, terminal_id);
    fields.optionalString("terminal_ref", 128, terminal_ref);
    fields.optionalString("held_at", 40, held_at);
    fields.optionalString("paid_at", 40, paid_at);
    if (!fields.ok()) {
        return detail::atIndex(fields.status(), "claims", index);
    }
    claim.operator_id = operator_id.value_or("");
    claim.terminal_id = terminal_id.value_or("");
    claim.terminal_ref = terminal_ref.value_or("");
    claim.held_at = held_at.value_or("");
    claim.paid_at = paid_at.value_or("");
    if (Status valid = validateClaim(claim, index); !valid.ok()) {
        return valid;
    }
    return claim;
}

}  // namespace

Result<ClaimBatch> ClaimBatch::fromJson(std::string_view body) {
    if (body.size() > kTroadRequestBytesMax) {
        return Status{
            ErrorCode::body_too_large,
            "claim batch body larger than " + std::to_string(kTroadRequestBytesMax) + " bytes"};
    }
    auto parsed = protocols::parseJsonObject(body);
    if (!parsed) {
        return parsed.status();
    }
    const nlohmann::json& object = parsed.value();
    ClaimBatch batch;
    protocols::JsonFields fields(object);
    fields.requireString("batch_id", kBatchIdLengthMax, batch.batch_id);
    fields.requireString("gateway_id", kBatchIdLengthMax, batch.gateway_id);
    if (!fields.ok()) {
        return Status{ErrorCode::bad_field, fields.status().message(), fields.status().detail()};
    }
    if (!object.contains("claims") || !object.at("claims").is_array()) {
        return Status{ErrorCode::missing_field, "claims must be an array", {{"field", "claims"}}};
    }
    const auto& claims = object.at("claims").get_ref<const nlohmann::json::array_t&>();
    if (Status valid = validateEnvelope(batch.batch_id, batch.gateway_id, claims.size());
        !valid.ok()) {
        return valid;
    }
    batch.claims.reserve(claims.size());
    for (std::size_t i = 0; i < claims.size(); ++i) {
        auto claim = decodeClaim(claims[i], i);
        if (!claim) {
            return claim.status();
        }
        batch.claims.push_back(std::move(claim).value());
    }
    return batch;
}

Result<std::string> ClaimBatch::toJson() const {
    if (Status valid = validateEnvelope(batch_id, gateway_id, claims.size()); !valid.ok()) {
        return valid;
    }
    nlohmann::json array = nlohmann::json::array();
    for (std::size_t i = 0; i < claims.size(); ++i) {
        const auto& claim = claims[i];
        if (Status valid = validateClaim(claim, i); !valid.ok()) {
            return valid;
        }
        nlohmann::json item = {{"claim_id", claim.claim_id},       {"program", claim.program},
                               {"citizen_key", claim.citizen_key}, {"channel", claim.channel},
                               {"amount", claim.amount},           {"status", claim.status}};
        // The optional fields are absent rather than empty (a voided claim has no terminal_ref
        // and no paid_at): the decoder, like the platform, takes a present field to be 1..N
        // characters.
        const std::pair<const char*, const std::string*> optional_fields[] = {
            {"operator", &claim.operator_id},
            {"terminal_id", &claim.terminal_id},
            {"terminal_ref", &claim.terminal_ref},
            {"held_at", &claim.held_at},
            {"paid_at", &claim.paid_at}};
        for (const auto& [name, value] : optional_fields) {
            if (!value->empty()) item[name] = *value;
        }
        array.push_back(std::move(item));
    }
    // nlohmann::json objects keep keys sorted, so dump() is canonical.
    const nlohmann::json body = {
        {"batch_id", batch_id}, {"gateway_id", gateway_id}, {"claims", std::move(array)}};
    std::string text = body.dump();
    if (text.size() > kTroadRequestBytesMax) {
        return Status{
            ErrorCode::body_too_large,
            "claim batch body larger than " + std::to_string(kTroadRequestBytesMax) + " bytes"};
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

std::string ClaimBatchReceipt::toJson() const {
    return nlohmann::json{{"batch_id", batch_id},
                          {"accepted", accepted},
                          {"received_at", received_at},
                          {"batch_sha256", batch_sha256}}
        .dump();
}

}  // namespace claimgate::troad
