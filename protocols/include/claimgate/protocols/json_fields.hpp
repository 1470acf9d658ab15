// File: json_fields.hpp
// Reads fields of a JSON object with the error contract of contracts §5: a missing required field
// is 400 missing_field, a field of the wrong type or outside its bounds is 400 bad_field, and
// the detail names the field. Decoders stop at the first error.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claimgate::protocols {

/// Parses a request body; malformed_json if it is not a JSON object.
[[nodiscard]] Result<nlohmann::json> parseJsonObject(std::string_view body);

class JsonFields {
public:
    explicit JsonFields(const nlohmann::json& object) : object_(object) {}

    /// Required string of 1..length_max bytes.
    bool requireString(const char* field, std::size_t length_max, std::string& out);
    /// Optional string: absent or null leaves `out` empty.
    bool optionalString(const char* field, std::size_t length_max, std::optional<std::string>& out);
    bool requireInteger(const char* field, std::int64_t minimum, std::int64_t maximum,
                        std::int64_t& out);
    bool optionalInteger(const char* field, std::int64_t minimum, std::int64_t maximum,
                         std::optional<std::int64_t>& out);

    /// The first error met, or ok.
    [[nodiscard]] const Status& status() const noexcept { return status_; }
    [[nodiscard]] bool ok() const noexcept { return status_.ok(); }

private:
    bool fail(ErrorCode code, const char* field, std::string message);

    const nlohmann::json& object_;
    Status status_;
};

}  // namespace claimgate::protocols
