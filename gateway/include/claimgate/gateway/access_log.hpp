// File: access_log.hpp
// One `"component":"access"` line per request when `--access-log` is on (contracts §11, Logs):
// what an operator needs to follow one terminal's traffic, and nothing about the citizen.
#pragma once

#include <cstdint>
#include <string_view>

namespace claimgate::log {

/// Off by default: at national load it is a line per request. Process-wide, thread-safe.
void setAccessLogEnabled(bool enabled);
[[nodiscard]] bool accessLogEnabled();

struct AccessRecord {
    std::string_view listener;     // "api", "bench", "admin"
    std::string_view method;       // "POST"
    std::string_view path;         // "/v1/claims/c_.../commit" (claim ids, never citizen IDs)
    std::string_view route;        // routeName(), e.g. "claim_commit"
    int status = 0;                // HTTP status sent
    std::string_view terminal_id;  // certificate CN; empty when the terminal was not identified
    std::string_view operator_id;  // certificate O
    std::string_view peer;         // "10.1.2.3:51234"
    std::int64_t micros = 0;       // server time
};

/// Writes the line if the access log is on.
void logAccess(const AccessRecord& record) noexcept;

}  // namespace claimgate::log
