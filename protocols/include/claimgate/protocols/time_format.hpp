// File: time_format.hpp
// RFC 3339 timestamps <-> Unix time. Programs carry local offsets (+08:00); the gateway answers
// in UTC with milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claimgate::protocols {

/// Parses "2023-04-10T00:00:00+08:00", "2023-04-10T00:00:00.123Z"; returns Unix milliseconds.
[[nodiscard]] std::optional<std::int64_t> parseRfc3339Millis(std::string_view text);

/// "2023-04-09T16:00:00.000Z".
[[nodiscard]] std::string formatRfc3339Millis(std::int64_t unix_millis);

/// The same instant as local time at `offset_minutes` east of UTC:
/// "2023-04-10T00:00:00.000+08:00" (0 writes "Z").
[[nodiscard]] std::string formatRfc3339Millis(std::int64_t unix_millis, int offset_minutes);

/// The UTC offset a valid RFC 3339 time is written with, in minutes east ("Z" = 0,
/// "+08:00" = 480); nullopt when the text is not a valid time.
[[nodiscard]] std::optional<int> rfc3339OffsetMinutes(std::string_view text);

}  // namespace claimgate::protocols
