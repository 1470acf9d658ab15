#include "load/error_tally.hpp"

#include <algorithm>
#include <charconv>

namespace claimgate::simulators {

std::string_view jsonStringField(std::string_view body, std::string_view name) noexcept {
    // Only for the gateway's own compact replies (nlohmann dump): "name":"value" with no
    // escapes inside the values we look for (codes and claim ids).
    std::size_t at = 0;
    while ((at = body.find(name, at)) != std::string_view::npos) {
        const std::size_t before = at;
        at += name.size();
        if (before == 0 || body[before - 1] != '"' || at >= body.size() || body[at] != '"')
            continue;
        std::size_t cursor = at + 1;
        while (cursor < body.size() && (body[cursor] == ' ' || body[cursor] == ':')) ++cursor;
        if (cursor >= body.size() || body[cursor] != '"') continue;
        const std::size_t end = body.find('"', cursor + 1);
        if (end == std::string_view::npos) return {};
        return body.substr(cursor + 1, end - cursor - 1);
    }
    return {};
}

void ErrorTally::add(std::string_view code) noexcept {
    ++total_;
    const std::string_view key = code.substr(0, kCodeBytesMax);
    for (std::size_t i = 0; i < used_; ++i) {
        if (std::string_view(entries_[i].code.data()) == key) {
            ++entries_[i].count;
            return;
        }
    }
    if (used_ == entries_.size()) {
        ++other_;
        return;
    }
    key.copy(entries_[used_].code.data(), key.size());
    entries_[used_].count = 1;
    ++used_;
}

void ErrorTally::addReply(int http_status, std::string_view body) noexcept {
    const std::string_view code = jsonStringField(body, "code");
    if (!code.empty()) {
        add(code);
        return;
    }
    char text[16] = "http_";
    const auto [end, error] = std::to_chars(text + 5, text + sizeof text, http_status);
    (void)error;
    add(std::string_view(text, static_cast<std::size_t>(end - text)));
}

void ErrorTally::mergeInto(std::map<std::string, std::uint64_t>& out) const {
    for (std::size_t i = 0; i < used_; ++i) out[entries_[i].code.data()] += entries_[i].count;
    if (other_ > 0) out["other"] += other_;
}

}  // namespace claimgate::simulators
