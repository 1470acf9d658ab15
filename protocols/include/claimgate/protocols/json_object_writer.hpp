// File: json_object_writer.hpp
// Writes a JSON object straight into a string, for the few bodies a node writes for every claim
// (the hold and commit replies, the receipt a signature covers) or every eligibility question.
// Building an nlohmann::json and dumping it costs a heap node per field and a map insertion per
// key; on the ledger's render thread that was a quarter of its CPU (docs/performance.md, "Replies
// written by hand").
//
// The output is byte for byte what nlohmann::json::dump() writes for the same object: keys are
// given in sorted (byte-wise) order, which the writer checks, and strings are escaped as dump()
// escapes valid UTF-8. This matters: receipt signatures cover these bytes, and a stored reply is
// replayed exactly (docs/contracts.md, invariants). One difference: dump() throws on invalid
// UTF-8, and the writer copies such bytes through; every string written here is ASCII by
// validation before it reaches a ledger reply.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace claimgate::protocols {

class JsonObjectWriter {
public:
    /// Appends to `out`, which keeps what it held; opens the outermost object.
    explicit JsonObjectWriter(std::string& out);

    // Keys are kept by view to check their order: pass literals (or strings that outlive the
    // writer).

    JsonObjectWriter& field(std::string_view key, std::string_view value);
    JsonObjectWriter& field(std::string_view key, const char* value) {
        return field(key, std::string_view(value));
    }
    JsonObjectWriter& field(std::string_view key, std::int64_t value);
    /// `true` or `false`. Not a field() overload: an int argument would convert to both.
    JsonObjectWriter& boolField(std::string_view key, bool value);
    /// Opens a nested object as the value of `key`; close it with endObject().
    JsonObjectWriter& beginObject(std::string_view key);
    /// Closes the innermost open object (the outermost one last).
    JsonObjectWriter& endObject();

    /// `text` as a JSON string literal, quotes included, escaped as nlohmann's dump() does.
    static void appendString(std::string& out, std::string_view text);

    /// Deepest nesting a reply needs (a receipt inside a commit reply) with room to spare.
    static constexpr std::size_t kDepthMax = 4;

private:
    void key(std::string_view name);

    std::string& out_;
    std::size_t depth_ = 0;
    // Per open object: whether it has a field yet, and its last key (to check the order).
    std::array<bool, kDepthMax> has_field_{};
    std::array<std::string_view, kDepthMax> last_key_{};
};

}  // namespace claimgate::protocols
