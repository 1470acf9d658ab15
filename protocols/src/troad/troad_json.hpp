// File: troad_json.hpp (private)
// Small helpers shared by the page, batch and receipt codecs (decoding and encoding).
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

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
        return {protocols::ErrorCode::bad_field,
                std::string(field) + " must be true or false",
                {{"field", field}}};
    }
    out = *flag;
    return protocols::Status::okStatus();
}

/// Decodes the envelope every platform page shares ({program, cursor, next_cursor, done,
/// <array>: [...]}) and each element of <array> with `decode_item`, bounded by `items_max`.
/// `Page` has program, cursor, next_cursor and done; the items go to `items`.
template <typename Page, typename Item, typename DecodeItem>
protocols::Result<Page> decodePage(std::string_view body, const char* array, std::size_t items_max,
                                   const char* page_name, std::vector<Item> Page::*items,
                                   DecodeItem decode_item) {
    auto parsed = protocols::parseJsonObject(body);
    if (!parsed) {
        return parsed.status();
    }
    const auto& object = parsed.value();
    Page page;
    protocols::JsonFields fields(object);
    fields.requireString("program", protocols::kProgramIdLengthMax, page.program);
    if (!fields.ok()) {
        return fields.status();
    }
    for (auto status : {readCursor(object, "cursor", page.cursor),
                        readCursor(object, "next_cursor", page.next_cursor),
                        readBool(object, "done", page.done)}) {
        if (!status.ok()) {
            return status;
        }
    }
    if (!object.contains(array) || !object.at(array).is_array()) {
        return protocols::Status{protocols::ErrorCode::missing_field,
                                 std::string(array) + " must be an array",
                                 {{"field", array}}};
    }
    const nlohmann::json& elements = object.at(array);
    if (elements.size() > items_max) {
        return protocols::Status{protocols::ErrorCode::body_too_large,
                                 std::string(page_name) + " page has more than " +
                                     std::to_string(items_max) + " " + array};
    }
    if (!page.done && page.next_cursor.empty()) {
        return protocols::Status{protocols::ErrorCode::bad_field,
                                 "a page that is not done needs a next_cursor",
                                 {{"field", "next_cursor"}}};
    }
    auto& out = page.*items;
    out.reserve(elements.size());
    for (std::size_t i = 0; i < elements.size(); ++i) {
        auto item = decode_item(elements[i]);
        if (!item) {
            return atIndex(item.status(), array, i);
        }
        out.push_back(std::move(item).value());
    }
    return page;
}

/// Encodes the envelope every platform page shares; `items` is the encoded <array>.
inline std::string encodePage(const std::string& program, const std::string& cursor,
                              const std::string& next_cursor, bool done, const char* array,
                              nlohmann::json items) {
    return nlohmann::json{{"program", program},
                          {"cursor", cursor},
                          {"next_cursor", next_cursor},
                          {"done", done},
                          {array, std::move(items)}}
        .dump();
}

}  // namespace claimgate::troad::detail
