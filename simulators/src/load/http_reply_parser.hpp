// File: http_reply_parser.hpp
// Reads one HTTP/1.1 reply out of the bytes received so far, in place: the load generator's
// connections parse every reply with it, so it neither allocates nor copies.
#pragma once

#include <cstddef>
#include <string_view>

namespace claimgate::simulators {

struct ParsedHttpReply {
    enum class State {
        incomplete,  // read more bytes and parse again
        complete,    // status, body and keep_alive are set
        bad,         // not an HTTP reply
        too_large,   // head + body would not fit in the limit
        unsupported  // a Transfer-Encoding: the gateway always sends Content-Length
    };
    State state = State::incomplete;
    int status = 0;
    std::string_view body;  // points into the parsed bytes
    bool keep_alive = true;
};

/// Parses the reply at the start of `received`; `limit` is the most bytes a reply may take.
[[nodiscard]] ParsedHttpReply parseHttpReply(std::string_view received, std::size_t limit) noexcept;

/// The error code a terminal reports for a reply it could not use.
[[nodiscard]] const char* failureOf(ParsedHttpReply::State state) noexcept;

}  // namespace claimgate::simulators
