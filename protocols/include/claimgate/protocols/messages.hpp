// File: messages.hpp
// Request bodies of the gateway API v1 (contracts §5) and their decoders, plus the error envelope.
// Decoders validate shape and bounds only; business rules (roster, channel, amount) belong to
// the gateway. The citizen ID is checked here too, so a bad ID never reaches the ledger.
#pragma once

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claimgate::protocols {

/// Body of POST /v1/eligibility and, with `amount`, of POST /v1/claims.
struct ClaimantRequest {
    std::string program;
    std::string citizen_id;  // normalised (upper case), checksum verified
    Channel channel = Channel::atm;
    std::optional<std::string> nhi_card_no;
    std::optional<std::string> proxy_id;  // normalised, checksum verified
    std::int64_t amount = 0;              // 0 for eligibility

    [[nodiscard]] nlohmann::json toJson() const;
};

struct CommitRequest {
    std::int64_t amount = 0;
    std::string terminal_ref;
    /// When the cash left the terminal (its clock, Unix ms); "dispensed_at" (RFC 3339) on the
    /// wire, optional for terminals built before it existed (contracts §5).
    std::optional<std::int64_t> dispensed_at;
    [[nodiscard]] nlohmann::json toJson() const;
};

struct VoidRequest {
    std::string reason;
    [[nodiscard]] nlohmann::json toJson() const;
};

[[nodiscard]] Result<ClaimantRequest> decodeEligibilityRequest(std::string_view body);
[[nodiscard]] Result<ClaimantRequest> decodeClaimRequest(std::string_view body);
[[nodiscard]] Result<CommitRequest> decodeCommitRequest(std::string_view body);
[[nodiscard]] Result<VoidRequest> decodeVoidRequest(std::string_view body);

/// {"error": {"code": ..., "message": ..., "detail": {...}}}
[[nodiscard]] std::string encodeErrorEnvelope(const Status& status);
/// Inverse of encodeErrorEnvelope for clients; nullopt if the body is not an envelope.
[[nodiscard]] std::optional<Status> decodeErrorEnvelope(std::string_view body);

}  // namespace claimgate::protocols
