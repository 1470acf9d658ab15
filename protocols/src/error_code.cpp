#include <claimgate/protocols/error_code.hpp>

#include <array>
#include <utility>

namespace claimgate::protocols {
namespace {

struct ErrorCodeRow {
    ErrorCode code;
    std::string_view name;
    int http_status;
};

constexpr std::array kErrorCodeTable = {
    ErrorCodeRow{ErrorCode::ok, "ok", 200},
    ErrorCodeRow{ErrorCode::malformed_json, "malformed_json", 400},
    ErrorCodeRow{ErrorCode::missing_field, "missing_field", 400},
    ErrorCodeRow{ErrorCode::bad_field, "bad_field", 400},
    ErrorCodeRow{ErrorCode::channel_mismatch, "channel_mismatch", 403},
    ErrorCodeRow{ErrorCode::operator_mismatch, "operator_mismatch", 403},
    ErrorCodeRow{ErrorCode::terminal_revoked, "terminal_revoked", 403},
    ErrorCodeRow{ErrorCode::pos_required, "pos_required", 403},
    ErrorCodeRow{ErrorCode::not_holding_terminal, "not_holding_terminal", 403},
    ErrorCodeRow{ErrorCode::role_not_allowed, "role_not_allowed", 403},
    ErrorCodeRow{ErrorCode::unknown_program, "unknown_program", 404},
    ErrorCodeRow{ErrorCode::unknown_claim, "unknown_claim", 404},
    ErrorCodeRow{ErrorCode::not_found, "not_found", 404},
    ErrorCodeRow{ErrorCode::method_not_allowed, "method_not_allowed", 405},
    ErrorCodeRow{ErrorCode::already_claimed, "already_claimed", 409},
    ErrorCodeRow{ErrorCode::claim_in_progress, "claim_in_progress", 409},
    ErrorCodeRow{ErrorCode::idempotency_key_reused, "idempotency_key_reused", 409},
    ErrorCodeRow{ErrorCode::invalid_transition, "invalid_transition", 409},
    ErrorCodeRow{ErrorCode::excluded, "excluded", 409},
    ErrorCodeRow{ErrorCode::body_too_large, "body_too_large", 413},
    ErrorCodeRow{ErrorCode::invalid_citizen_id, "invalid_citizen_id", 422},
    ErrorCodeRow{ErrorCode::nhi_card_mismatch, "nhi_card_mismatch", 422},
    ErrorCodeRow{ErrorCode::not_eligible, "not_eligible", 422},
    ErrorCodeRow{ErrorCode::channel_not_allowed, "channel_not_allowed", 422},
    ErrorCodeRow{ErrorCode::program_closed, "program_closed", 422},
    ErrorCodeRow{ErrorCode::proxy_required, "proxy_required", 422},
    ErrorCodeRow{ErrorCode::proxy_not_allowed, "proxy_not_allowed", 422},
    ErrorCodeRow{ErrorCode::amount_mismatch, "amount_mismatch", 422},
    ErrorCodeRow{ErrorCode::overloaded, "overloaded", 429},
    ErrorCodeRow{ErrorCode::too_many_failed_lookups, "too_many_failed_lookups", 429},
    ErrorCodeRow{ErrorCode::not_ready, "not_ready", 503},
    ErrorCodeRow{ErrorCode::admin_unauthenticated, "admin_unauthenticated", 401},
    ErrorCodeRow{ErrorCode::internal, "internal", 500},
};

static_assert(kErrorCodeTable.size() == static_cast<std::size_t>(ErrorCode::internal) + 1,
              "every ErrorCode needs a row");

constexpr bool tableIsInEnumOrder() {
    for (std::size_t i = 0; i < kErrorCodeTable.size(); ++i) {
        if (static_cast<std::size_t>(kErrorCodeTable[i].code) != i) {
            return false;
        }
    }
    return true;
}
static_assert(tableIsInEnumOrder(), "kErrorCodeTable must follow the enum order");

}  // namespace

std::string_view errorCodeName(ErrorCode code) noexcept {
    return kErrorCodeTable[static_cast<std::size_t>(code)].name;
}

std::optional<ErrorCode> parseErrorCode(std::string_view name) noexcept {
    for (const auto& row : kErrorCodeTable) {
        if (row.name == name) {
            return row.code;
        }
    }
    return std::nullopt;
}

int httpStatusFor(ErrorCode code) noexcept {
    return kErrorCodeTable[static_cast<std::size_t>(code)].http_status;
}

}  // namespace claimgate::protocols
