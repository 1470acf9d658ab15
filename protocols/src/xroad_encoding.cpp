// File: xroad_encoding.cpp
#include <claimgate/protocols/xroad_encoding.hpp>

namespace claimgate::protocols {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

bool isUnreserved(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int hexValue(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::string percentEncodeSegment(std::string_view segment) {
    std::string out;
    out.reserve(segment.size());
    for (const char raw : segment) {
        const auto c = static_cast<unsigned char>(raw);
        if (isUnreserved(c)) {
            out.push_back(raw);
        } else {
            out.push_back('%');
            out.push_back(kHexDigits[c >> 4U]);
            out.push_back(kHexDigits[c & 0x0FU]);
        }
    }
    return out;
}

std::optional<std::string> percentDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) {  // a '%' needs two hex digits after it
            return std::nullopt;
        }
        const int high = hexValue(text[i + 1]);
        const int low = hexValue(text[i + 2]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

std::optional<std::vector<std::string>> splitEncodedPath(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = path.find('/', start);
        const std::string_view piece = path.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        auto decoded = percentDecode(piece);
        if (!decoded) {
            return std::nullopt;
        }
        segments.push_back(std::move(*decoded));
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return segments;
}

std::string encodeQuery(const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string out;
    for (const auto& [key, value] : parameters) {
        if (!out.empty()) {
            out.push_back('&');
        }
        out += percentEncodeSegment(key);
        out.push_back('=');
        out += percentEncodeSegment(value);
    }
    return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> decodeQuery(
    std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    if (query.empty()) {
        return out;
    }
    std::size_t start = 0;
    while (start <= query.size()) {
        const std::size_t amp = query.find('&', start);
        const std::string_view pair = query.substr(
            start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
        if (!pair.empty()) {
            const std::size_t eq = pair.find('=');
            auto key = percentDecode(pair.substr(0, eq));
            auto value = percentDecode(eq == std::string_view::npos ? std::string_view{}
                                                                    : pair.substr(eq + 1));
            if (!key || !value) {
                return std::nullopt;
            }
            out.emplace_back(std::move(*key), std::move(*value));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        start = amp + 1;
    }
    return out;
}

}  // namespace claimgate::protocols
