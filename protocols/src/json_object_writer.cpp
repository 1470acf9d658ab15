#include <claimgate/protocols/json_object_writer.hpp>

#include <claimgate/protocols/invariant.hpp>

#include <charconv>

namespace claimgate::protocols {

JsonObjectWriter::JsonObjectWriter(std::string& out) : out_(out) {
    out_.push_back('{');
    depth_ = 1;
}

void JsonObjectWriter::key(std::string_view name) {
    CG_ASSERT(depth_ > 0, "a field is written inside an open object");
    const std::size_t level = depth_ - 1;
    // dump() sorts keys; writing them in that order is what keeps the bytes the same.
    CG_ASSERT(!has_field_[level] || last_key_[level] < name,
              "JSON object keys are written in sorted order, each once");
    if (has_field_[level]) out_.push_back(',');
    has_field_[level] = true;
    last_key_[level] = name;
    appendString(out_, name);
    out_.push_back(':');
}

JsonObjectWriter& JsonObjectWriter::field(std::string_view name, std::string_view value) {
    key(name);
    appendString(out_, value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::field(std::string_view name, std::int64_t value) {
    key(name);
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out_.append(digits, result.ptr);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::boolField(std::string_view name, bool value) {
    key(name);
    out_.append(value ? "true" : "false");
    return *this;
}

JsonObjectWriter& JsonObjectWriter::beginObject(std::string_view name) {
    CG_ASSERT(depth_ < kDepthMax, "JSON objects nest at most kDepthMax deep");
    key(name);
    out_.push_back('{');
    has_field_[depth_] = false;
    last_key_[depth_] = {};
    ++depth_;
    return *this;
}

JsonObjectWriter& JsonObjectWriter::endObject() {
    CG_ASSERT(depth_ > 0, "endObject closes an open object");
    out_.push_back('}');
    --depth_;
    return *this;
}

void JsonObjectWriter::appendString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t plain_from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
        out.append(text.data() + plain_from, i - plain_from);
        plain_from = i + 1;
        switch (byte) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\b':
                out.append("\\b");
                break;
            case '\f':
                out.append("\\f");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            default: {
                const char escaped[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]};
                out.append(escaped, sizeof escaped);
            }
        }
    }
    out.append(text.data() + plain_from, text.size() - plain_from);
    out.push_back('"');
}

}  // namespace claimgate::protocols
