// File: claim_batch.hpp
// A batch of ledger claims pushed to the platform (POST .../claims), idempotent by batch_id:
//
//   {"batch_id": "gw1-000042", "gateway_id": "gw1",
//    "claims": [{"claim_id": "...", "program": "CASH2023", "citizen_key": "<64 hex>",
//                "channel": "atm", "operator": "BANK004", "terminal_id": "atm-0001",
//                "terminal_ref": "...", "amount": 6000, "status": "paid",
//                "held_at": "...", "paid_at": "..."}]}
//
// Claims carry the citizen KEY (HMAC), never a plaintext ID: the encoder refuses anything that is
// not 64 hex digits. The body is encoded canonically (sorted keys, no spaces) so the same batch
// always gives the same bytes, the same signature and the same answer.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::troad {

/// One claim as the ledger export has it (contracts §8 ledger export columns).
struct BatchClaim {
    std::string claim_id;
    std::string program;
    std::string citizen_key;  // 64 lower-case hex
    std::string channel;
    std::string operator_id;  // "operator" on the wire
    std::string terminal_id;
    std::string terminal_ref;
    std::int64_t amount = 0;
    std::string status;   // held | in_doubt | paid | voided
    std::string held_at;  // RFC 3339
    std::string paid_at;  // RFC 3339 or empty
};

struct ClaimBatch {
    std::string batch_id;    // 1..kBatchIdLengthMax of [A-Za-z0-9._:-]
    std::string gateway_id;  // same alphabet
    std::vector<BatchClaim> claims;

    /// The canonical body. Errors (bad_field): bad ids, a citizen_key that is not 64 hex, more
    /// than kClaimBatchClaimsMax claims, a body over kTroadRequestBytesMax.
    [[nodiscard]] protocols::Result<std::string> toJson() const;
    /// Decodes a pushed batch with the same rules (the platform's side: the T-Road simulator).
    /// A claim that carries a `citizen_id` is refused with detail {"plaintext": true}: only
    /// keys may cross T-Road. Errors: malformed_json, missing_field, bad_field, body_too_large.
    static protocols::Result<ClaimBatch> fromJson(std::string_view body);
};

/// The platform's answer to a pushed batch; a replay of the same batch gets the same answer.
struct ClaimBatchReceipt {
    std::string batch_id;
    std::int64_t accepted = 0;
    std::string received_at;
    std::string batch_sha256;  // hex SHA-256 of the body the platform stored

    static protocols::Result<ClaimBatchReceipt> fromJson(std::string_view body);
    [[nodiscard]] std::string toJson() const;
};

}  // namespace claimgate::troad
