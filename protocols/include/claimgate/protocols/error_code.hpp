// File: error_code.hpp
// The error codes of contracts §5, shared by the gateway, the SDK and the simulators. The string
// forms are the wire contract; the enumerators only exist so code cannot misspell them.
#pragma once

#include <optional>
#include <string_view>

namespace claimgate::protocols {

enum class ErrorCode {
    ok = 0,
    // 400
    malformed_json,
    missing_field,
    bad_field,
    // 403
    channel_mismatch,
    operator_mismatch,
    terminal_revoked,
    pos_required,
    not_holding_terminal,
    role_not_allowed,
    // 404
    unknown_program,
    unknown_claim,
    not_found,
    // 405
    method_not_allowed,
    // 409
    already_claimed,
    claim_in_progress,
    idempotency_key_reused,
    invalid_transition,
    excluded,
    // 413
    body_too_large,
    // 422
    invalid_citizen_id,
    nhi_card_mismatch,
    not_eligible,
    channel_not_allowed,
    program_closed,
    proxy_required,
    proxy_not_allowed,
    amount_mismatch,
    // 429 / 503
    overloaded,
    too_many_failed_lookups,
    not_ready,
    // 401: a mutating admin endpoint without a valid admin credential
    admin_unauthenticated,
    // 500
    internal,
};

/// The snake_case wire name, e.g. "already_claimed".
[[nodiscard]] std::string_view errorCodeName(ErrorCode code) noexcept;

/// Parses a wire name; nullopt for names this build does not know.
[[nodiscard]] std::optional<ErrorCode> parseErrorCode(std::string_view name) noexcept;

/// The HTTP status contracts §5 assigns to the code (200 for ok).
[[nodiscard]] int httpStatusFor(ErrorCode code) noexcept;

}  // namespace claimgate::protocols
