#include "load/http_reply_parser.hpp"

#include <charconv>

namespace claimgate::simulators {
namespace {

bool startsWithNoCase(std::string_view text, std::string_view lower_prefix) noexcept {
    if (text.size() < lower_prefix.size()) return false;
    for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
        const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
        if (c != lower_prefix[i]) return false;
    }
    return true;
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

ParsedHttpReply parseHttpReply(std::string_view received, std::size_t limit) noexcept {
    ParsedHttpReply reply;
    using State = ParsedHttpReply::State;
    const std::size_t head_end = received.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
        reply.state = received.size() >= limit ? State::too_large : State::incomplete;
        // A status line that is already wrong will not become right with more bytes.
        if (received.size() >= 5 && received.substr(0, 5) != "HTTP/") reply.state = State::bad;
        return reply;
    }
    const std::string_view head = received.substr(0, head_end);
    // Status line: HTTP/1.x NNN reason
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/" || head[8] != ' ' || !isDigit(head[9]) ||
        !isDigit(head[10]) || !isDigit(head[11])) {
        reply.state = State::bad;
        return reply;
    }
    reply.status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    reply.keep_alive = head.substr(5, 3) == "1.1";
    std::size_t content_length = 0;
    std::size_t line_start = head.find("\r\n");
    while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
        const std::size_t next = head.find("\r\n", line_start + 2);
        const std::string_view line = head.substr(
            line_start + 2, next == std::string_view::npos ? head.npos : next - line_start - 2);
        if (startsWithNoCase(line, "content-length:")) {
            const auto value = trim(line.substr(15));
            const auto [end, error] =
                std::from_chars(value.data(), value.data() + value.size(), content_length);
            if (error != std::errc{} || end != value.data() + value.size()) {
                reply.state = State::bad;
                return reply;
            }
        } else if (startsWithNoCase(line, "connection:")) {
            const auto value = trim(line.substr(11));
            if (startsWithNoCase(value, "close")) reply.keep_alive = false;
            if (startsWithNoCase(value, "keep-alive")) reply.keep_alive = true;
        } else if (startsWithNoCase(line, "transfer-encoding:")) {
            reply.state = State::unsupported;
            return reply;
        }
        line_start = next;
    }
    const std::size_t body_start = head_end + 4;
    if (content_length > limit || body_start + content_length > limit) {
        reply.state = State::too_large;
        return reply;
    }
    if (received.size() < body_start + content_length) return reply;  // incomplete
    reply.body = received.substr(body_start, content_length);
    reply.state = State::complete;
    return reply;
}

const char* failureOf(ParsedHttpReply::State state) noexcept {
    switch (state) {
        case ParsedHttpReply::State::too_large:
            return "reply_too_large";
        case ParsedHttpReply::State::unsupported:
            return "unsupported_transfer_encoding";
        case ParsedHttpReply::State::bad:
            return "bad_reply";
        case ParsedHttpReply::State::incomplete:
        case ParsedHttpReply::State::complete:
            break;
    }
    return "io_error";
}

}  // namespace claimgate::simulators
