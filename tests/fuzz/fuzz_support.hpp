// File: fuzz_support.hpp
// What every fuzz target shares: a reader that carves typed pieces out of the fuzzer's bytes,
// and a per-process scratch directory for the parsers that read files (roster import, match).
// Used by the libFuzzer build (`make fuzz`) and by the replay build that runs the seed corpora
// and regression inputs in `make test` (replay_main.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace claimgate::fuzz {

class FuzzReader {
public:
    FuzzReader(const std::uint8_t* data, std::size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    /// One byte (0 when the input is used up): selectors and small numbers.
    std::uint8_t takeByte() {
        if (rest_.empty()) return 0;
        const auto byte = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return byte;
    }
    /// Bytes up to the next '\n' (or the end); the separator is consumed. Seeds stay readable.
    std::string_view takeLine() {
        const std::size_t end = rest_.find('\n');
        const std::string_view line = rest_.substr(0, end);
        rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
        return line;
    }
    [[nodiscard]] std::string_view rest() const noexcept { return rest_; }
    [[nodiscard]] bool empty() const noexcept { return rest_.empty(); }

private:
    std::string_view rest_;
};

/// A directory made once per process under $TMPDIR (or /tmp), removed at exit.
const std::string& scratchDir();
/// Writes (truncating) `bytes` to scratchDir()/name and returns the path.
std::string writeScratchFile(const std::string& name, std::string_view bytes);

}  // namespace claimgate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
