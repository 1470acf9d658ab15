// File: xroad_encoding.hpp
// Percent-encoding of X-Road REST identifier and path segments (PR-REST §4.2): every segment is
// UTF-8 percent-encoded on its own, so a literal '/' inside a segment becomes %2F and never
// splits the path. Unreserved characters (RFC 3986: A-Z a-z 0-9 - . _ ~) stay as they are; every
// other byte, including the bytes of multi-byte UTF-8 characters, is written as %XX (upper-case).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace claimgate::protocols {

/// Encodes one path segment or one query key/value.
[[nodiscard]] std::string percentEncodeSegment(std::string_view segment);

/// Decodes %XX escapes; nullopt on a truncated or non-hex escape. '+' is left as '+' (paths,
/// not HTML forms).
[[nodiscard]] std::optional<std::string> percentDecode(std::string_view text);

/// Splits "a/b%2Fc" into decoded segments {"a", "b/c"}; nullopt if any segment fails to decode.
[[nodiscard]] std::optional<std::vector<std::string>> splitEncodedPath(std::string_view path);

/// "k1=v1&k2=v2" with keys and values percent-encoded; empty for no parameters.
[[nodiscard]] std::string encodeQuery(
    const std::vector<std::pair<std::string, std::string>>& parameters);

/// Parses "k1=v1&k2" into decoded pairs (a key without '=' gets an empty value); nullopt on a
/// bad escape.
[[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> decodeQuery(
    std::string_view query);

}  // namespace claimgate::protocols
