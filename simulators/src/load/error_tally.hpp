// File: error_tally.hpp
// Counts errors by code in a fixed table, so that a terminal thread can count a failure without
// allocating. Codes are the gateway's contracts §5 codes, `http_NNN` when a reply carries none, or
// the transport failures of HttpConnection.
#pragma once

#include "load/load_limits.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace claimgate::simulators {

class ErrorTally {
public:
    static constexpr std::size_t kCodeBytesMax = 47;

    /// Counts one error; beyond kLoadErrorCodesMax distinct codes they count as "other".
    void add(std::string_view code) noexcept;
    /// Counts an HTTP error reply under the code found in its error envelope.
    void addReply(int http_status, std::string_view body) noexcept;
    [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
    /// Adds these counts into `out` (end of run only: allocates).
    void mergeInto(std::map<std::string, std::uint64_t>& out) const;

private:
    struct Entry {
        std::array<char, kCodeBytesMax + 1> code{};
        std::uint64_t count = 0;
    };
    std::array<Entry, kLoadErrorCodesMax> entries_{};
    std::size_t used_ = 0;
    std::uint64_t other_ = 0;
    std::uint64_t total_ = 0;
};

/// The value of the first `"name":"value"` string field in a compact JSON body, or empty.
[[nodiscard]] std::string_view jsonStringField(std::string_view body,
                                               std::string_view name) noexcept;

}  // namespace claimgate::simulators
