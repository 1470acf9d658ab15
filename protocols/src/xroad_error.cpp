// File: xroad_error.cpp
#include <claimgate/protocols/xroad_error.hpp>

#include <claimgate/protocols/xroad_limits.hpp>

#include <nlohmann/json.hpp>

namespace claimgate::protocols {
namespace {

std::string bounded(std::string text) {
    if (text.size() > kXroadErrorTextLengthMax) {
        text.resize(kXroadErrorTextLengthMax);
    }
    return text;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::string canonicalXroadErrorType(std::string_view type) {
    std::string out;
    out.reserve(type.size());
    for (const char c : type) {
        if (c == '_' || c == '-' || c == ' ') {
            continue;  // 7.8 snake_case separators; dropping them matches the 7.7 CamelCase form
        }
        out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return out;
}

XroadErrorType::XroadErrorType(std::string raw)
    : raw_(std::move(raw)), canonical_(canonicalXroadErrorType(raw_)) {}

bool XroadErrorType::is(std::string_view other_type) const {
    return !canonical_.empty() && canonical_ == canonicalXroadErrorType(other_type);
}

bool XroadErrorType::hasPrefix(std::string_view prefix) const {
    const std::string canonical_prefix = canonicalXroadErrorType(prefix);
    if (canonical_prefix.empty() || canonical_.size() < canonical_prefix.size() ||
        canonical_.compare(0, canonical_prefix.size(), canonical_prefix) != 0) {
        return false;
    }
    return canonical_.size() == canonical_prefix.size() ||
           canonical_[canonical_prefix.size()] == '.';
}

XroadErrorOrigin XroadErrorType::origin() const {
    if (hasPrefix("Server.ClientProxy")) {
        return XroadErrorOrigin::consumer_server;
    }
    if (hasPrefix("Server.ServerProxy")) {
        return XroadErrorOrigin::provider_server;
    }
    if (hasPrefix("Client")) {
        return XroadErrorOrigin::client;
    }
    if (hasPrefix("Signer")) {
        return XroadErrorOrigin::signer;
    }
    return XroadErrorOrigin::other;
}

std::optional<XroadError> parseXroadError(int http_status, const XroadHeaders& headers,
                                          std::string_view body) {
    const auto header = headers.get(kXroadErrorHeader);
    if (!header) {
        return std::nullopt;
    }
    XroadError error;
    error.http_status = http_status;
    error.type = XroadErrorType(bounded(trim(*header)));
    const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_object()) {
        if (auto it = json.find("message"); it != json.end() && it->is_string()) {
            error.message = bounded(it->get<std::string>());
        }
        if (auto it = json.find("detail"); it != json.end() && it->is_string()) {
            error.detail = bounded(it->get<std::string>());
        }
        // The header is authoritative; an empty header with a typed body still tells us what.
        if (error.type.raw().empty()) {
            if (auto it = json.find("type"); it != json.end() && it->is_string()) {
                error.type = XroadErrorType(bounded(it->get<std::string>()));
            }
        }
    } else {
        // XML (<error><type/><message/>...) or text: keep the text as the message for humans.
        error.message = bounded(std::string(body));
    }
    return error;
}

}  // namespace claimgate::protocols
