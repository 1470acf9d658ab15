// File: log.hpp
// claimgate's log: one JSON object per line on stderr (contracts §11, Logs), so a collector
// can parse every line and nobody has to guess where a multi-line database error ends.
//
//   log::warn("ledger", "database unreachable", {{"error", log::firstLine(error.what())}});
//   -> {"ts":"2023-04-10T01:02:03.456Z","level":"warn","component":"ledger",
//       "msg":"database unreachable","error":"connection refused"}
//
// Anything that looks like a whole citizen ID is masked on the way out (invariant 5), as a
// second line of defence behind callers that already log masked IDs only.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace claimgate::log {

enum class Level { debug, info, warn, error };

[[nodiscard]] std::string_view levelName(Level level) noexcept;

/// Receives each finished line (no trailing newline). Tests capture lines with it.
using Sink = std::function<void(std::string_view line)>;

/// Replaces the sink (nullptr: back to stderr) and returns the previous one. Process-wide.
Sink setSink(Sink sink);

/// Lines below `level` are dropped (default: info). Process-wide, thread-safe.
void setMinimumLevel(Level level);

/// Formats one line: `fields` must be a JSON object (or null); its members follow `msg`.
/// Thread-safe; never throws (a logging failure must not fail a request).
void write(Level level, std::string_view component, std::string_view message,
           const nlohmann::json& fields = nullptr) noexcept;

inline void debug(std::string_view component, std::string_view message,
                  const nlohmann::json& fields = nullptr) noexcept {
    write(Level::debug, component, message, fields);
}
inline void info(std::string_view component, std::string_view message,
                 const nlohmann::json& fields = nullptr) noexcept {
    write(Level::info, component, message, fields);
}
inline void warn(std::string_view component, std::string_view message,
                 const nlohmann::json& fields = nullptr) noexcept {
    write(Level::warn, component, message, fields);
}
inline void error(std::string_view component, std::string_view message,
                  const nlohmann::json& fields = nullptr) noexcept {
    write(Level::error, component, message, fields);
}

/// The first line of `text`, trimmed and cut to `max_bytes`: libpq and POCO errors run over
/// several lines, of which the first says what happened.
[[nodiscard]] std::string firstLine(std::string_view text, std::size_t max_bytes = 240);

/// `text` with every token shaped like a citizen ID (A123456789, A800000014, AB12345678)
/// replaced by its masked form (A12*****89).
[[nodiscard]] std::string maskCitizenIds(std::string_view text);

/// One formatted line, as `write` would emit it at `unix_millis` (exposed for tests).
[[nodiscard]] std::string formatLine(std::int64_t unix_millis, Level level,
                                     std::string_view component, std::string_view message,
                                     const nlohmann::json& fields);

}  // namespace claimgate::log
