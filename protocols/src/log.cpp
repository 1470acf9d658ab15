#include <claimgate/protocols/log.hpp>

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace claimgate::log {
namespace {

std::mutex g_sink_mutex;
Sink g_sink;  // empty: stderr
std::atomic<int> g_minimum_level{static_cast<int>(Level::info)};

bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// Shape only (no checksum): a log line is better over-masked than leaking an ID with a typo.
bool looksLikeCitizenId(std::string_view token) {
    if (token.size() != 10) return false;
    const auto upper = [](char c) {
        return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    };
    if (!isUpper(upper(token[0]))) return false;
    const std::size_t digits_from = isUpper(upper(token[1])) ? 2 : 1;
    for (std::size_t i = digits_from; i < token.size(); ++i) {
        if (!isDigit(token[i])) return false;
    }
    return true;
}

std::string compactJson(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string_view levelName(Level level) noexcept {
    static constexpr std::array<std::string_view, 4> kNames = {"debug", "info", "warn", "error"};
    return kNames[static_cast<std::size_t>(level)];
}

Sink setSink(Sink sink) {
    std::lock_guard lock(g_sink_mutex);
    Sink previous = std::move(g_sink);
    g_sink = std::move(sink);
    return previous;
}

void setMinimumLevel(Level level) {
    g_minimum_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

std::string maskCitizenIds(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (!isWordChar(text[i])) {
            out.push_back(text[i++]);
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && isWordChar(text[end])) ++end;
        const auto token = text.substr(i, end - i);
        if (looksLikeCitizenId(token)) {
            out += protocols::CitizenId::maskCitizenId(token);
        } else {
            out += token;
        }
        i = end;
    }
    return out;
}

std::string firstLine(std::string_view text, std::size_t max_bytes) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    text.remove_prefix(begin);
    text = text.substr(0, text.find_first_of("\r\n"));
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.size() > max_bytes) {
        // Never cut inside a UTF-8 sequence: back off to a lead byte.
        std::size_t cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
        return std::string(text.substr(0, cut)) + "...";
    }
    return std::string(text);
}

std::string formatLine(std::int64_t unix_millis, Level level, std::string_view component,
                       std::string_view message, const nlohmann::json& fields) {
    nlohmann::ordered_json line;
    line["ts"] = protocols::formatRfc3339Millis(unix_millis);
    line["level"] = levelName(level);
    line["component"] = component;
    line["msg"] = maskCitizenIds(message);
    if (fields.is_object()) {
        for (const auto& [key, value] : fields.items()) {
            if (key == "ts" || key == "level" || key == "component" || key == "msg") continue;
            if (value.is_string()) {
                line[key] = maskCitizenIds(value.get_ref<const std::string&>());
            } else if (value.is_structured()) {
                line[key] = nlohmann::json::parse(maskCitizenIds(compactJson(value)));
            } else {
                line[key] = value;
            }
        }
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write(Level level, std::string_view component, std::string_view message,
           const nlohmann::json& fields) noexcept {
    if (static_cast<int>(level) < g_minimum_level.load(std::memory_order_relaxed)) return;
    try {
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        std::string line = formatLine(now, level, component, message, fields);
        std::lock_guard lock(g_sink_mutex);
        if (g_sink) {
            g_sink(line);
            return;
        }
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
    } catch (...) {
        // Out of memory or a broken sink: dropping one log line beats failing the caller.
    }
}

}  // namespace claimgate::log
