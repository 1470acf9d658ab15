// File: troad_json.hpp (private)
// Small decoding helpers shared by the page and receipt decoders.
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace claimgate::troad::detail {

/// Prefixes an element error with its position ("entries[12]: ...") and records the index in
/// the detail; the message never contains the offending value (it may be a citizen ID).
inline protocols::Status atIndex(const protocols::Status& status, const char* array,
                                 std::size_t index) {
    nlohmann::json detail = status.detail();
    detail["index"] = index;
    detail["array"] = array;
    return {status.code(),
            std::string(array) + "[" + std::to_string(index) + "]: " + status.message(),
            std::move(detail)};
}

/// Reads an optional string field that may legitimately be empty (cursors).
inline protocols::Status readCursor(const nlohmann::json& object, const char* field,
                                    std::string& out) {
    if (!object.contains(field) || object.at(field).is_null()) {
        out.clear();
        return protocols::Status::okStatus();
    }
    const nlohmann::json& value = object.at(field);
    const auto* text = value.get_ptr<const std::string*>();
    if (text == nullptr || text->size() > kCursorLengthMax) {
        return {protocols::ErrorCode::bad_field,
                std::string(field) + " must be a string of at most " +
                    std::to_string(kCursorLengthMax) + " characters",
                {{"field", field}}};
    }
    out = *text;
    return protocols::Status::okStatus();
}

inline protocols::Status readBool(const nlohmann::json& object, const char* field, bool& out) {
    const auto* flag = object.contains(field) ? object.at(field).get_ptr<const bool*>() : nullptr;
    if (flag == nullptr) {
        return {protocols::ErrorCode::bad_field, std::string(field) + " must be true or false",
                {{"field", field}}};
    }
    out = *flag;
    return protocols::Status::okStatus();
}

}  // namespace claimgate::troad::detail
