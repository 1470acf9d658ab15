// File: claim_record.hpp
// One row of the claims table, as the ledger and the HTTP layer see it. Never holds a plaintext
// citizen ID: only the HMAC citizen_key and the masked form for receipts.
#pragma once

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/domain.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace claimgate::gateway {

using CitizenKey = protocols::Sha256Digest;

struct ClaimRecord {
    std::string claim_id;
    std::string claim_code;
    std::string program;
    CitizenKey citizen_key{};
    std::string citizen_mask;
    protocols::Channel channel = protocols::Channel::atm;
    std::string operator_id;
    std::string terminal_id;
    std::int64_t amount = 0;
    protocols::ClaimStatus status = protocols::ClaimStatus::held;
    std::int64_t held_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> paid_at;  ///< the gateway's clock when the commit was applied
    /// The terminal's clock when the cash left (commit `dispensed_at`), stored as sent, even
    /// when implausible (protocols/dispense_time.hpp decides whether business dates use it).
    std::optional<std::int64_t> dispensed_at;
    std::optional<std::int64_t> voided_at;
    std::optional<std::string> terminal_ref;
    std::optional<std::string> reason;

    /// The body of GET /v1/claims/{id}.
    [[nodiscard]] nlohmann::json toJson() const;
    /// When the blocking state began: paid_at for paid claims, else held_at.
    [[nodiscard]] std::int64_t blockingSince() const { return paid_at.value_or(held_at); }
};

/// A stored reply for an idempotency key (contracts invariant 3).
struct StoredReply {
    protocols::Sha256Digest request_hash{};
    int http_status = 0;
    std::string body;
};

}  // namespace claimgate::gateway
