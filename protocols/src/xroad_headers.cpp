// File: xroad_headers.cpp
#include <claimgate/protocols/xroad_headers.hpp>

#include <algorithm>

namespace claimgate::protocols {
namespace {

char asciiLower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool headerNameEquals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (asciiLower(a[i]) != asciiLower(b[i])) {
            return false;
        }
    }
    return true;
}

void XroadHeaders::set(std::string_view name, std::string value) {
    auto first = std::find_if(headers_.begin(), headers_.end(),
                              [&](const XroadHeader& h) { return headerNameEquals(h.name, name); });
    if (first == headers_.end()) {
        headers_.push_back({std::string(name), std::move(value)});
        return;
    }
    first->value = std::move(value);
    headers_.erase(
        std::remove_if(std::next(first), headers_.end(),
                       [&](const XroadHeader& h) { return headerNameEquals(h.name, name); }),
        headers_.end());
}

void XroadHeaders::add(std::string name, std::string value) {
    headers_.push_back({std::move(name), std::move(value)});
}

void XroadHeaders::remove(std::string_view name) {
    headers_.erase(
        std::remove_if(headers_.begin(), headers_.end(),
                       [&](const XroadHeader& h) { return headerNameEquals(h.name, name); }),
        headers_.end());
}

std::optional<std::string> XroadHeaders::get(std::string_view name) const {
    for (auto it = headers_.rbegin(); it != headers_.rend(); ++it) {
        if (headerNameEquals(it->name, name)) {
            return it->value;
        }
    }
    return std::nullopt;
}

}  // namespace claimgate::protocols
