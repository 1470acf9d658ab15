// File: outcome.hpp
// What every SDK call answers (C++ face of cg_result). Status values equal cg_status values.
#pragma once

#include <cstdint>
#include <string>

namespace claimgate::sdk {

/// Same numbers as cg_status (sdk.h); never renumbered.
enum class Status : int {
    ok = 0,
    queued = 1,
    refused = 2,
    invalid_input = 3,
    unavailable = 4,
    config_error = 5,
    internal = 99,
};

struct Outcome {
    Status status = Status::internal;
    int http_status = 0;       ///< 0 when no HTTP answer was received
    std::string code;          ///< gateway or local error code; empty on success
    std::string claim_id;      ///< "c_..." after reserve / commit / void
    std::string claim_code;    ///< 10-digit kiosk slip code (reserve)
    std::string claim_status;  ///< "held", "paid", "voided", or the blocking claim's (check)
    std::int64_t amount = 0;
    bool eligible = false;  ///< check only
    std::string message;    ///< human-readable; never a full citizen ID
    /// reserve: when the gateway releases the hold if no commit arrives (Unix milliseconds).
    std::int64_t hold_expires_at_ms = 0;
    /// check / reserve refused with already_claimed: channel and time of the claim that blocks
    /// the citizen, as far as the gateway discloses them (empty / 0 otherwise).
    std::string claimed_channel;
    std::int64_t claimed_at_ms = 0;

    [[nodiscard]] bool ok() const noexcept { return status == Status::ok; }
};

}  // namespace claimgate::sdk
