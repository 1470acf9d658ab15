// File: line_refetcher.hpp
// Reads single lines of the input files again by byte offset (pread), for the few rows that
// become exceptions: the engine keeps only offsets in memory, never the text of 23 million rows.
#pragma once

#include <claimgate/recon/csv_field_splitter.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace claimgate::recon {

/// Keeps one file open at a time. Not thread-safe.
class LineRefetcher {
public:
    explicit LineRefetcher(const std::vector<std::string>& files) : files_(files) {}
    ~LineRefetcher();
    LineRefetcher(const LineRefetcher&) = delete;
    LineRefetcher& operator=(const LineRefetcher&) = delete;

    /// The line of file `file_index` at `offset`, split into fields(); false if unreadable or
    /// not `expected_fields` fields.
    [[nodiscard]] bool fetch(std::size_t file_index, std::uint64_t offset,
                             std::size_t expected_fields);
    [[nodiscard]] const CsvFieldSplitter& fields() const noexcept { return splitter_; }

    /// The line at `offset` of `fd` into `out` (no line ending); short reads first, since a
    /// line is ~100-200 bytes and exceptions are read one by one.
    [[nodiscard]] static bool readLine(int fd, std::uint64_t offset, std::string& out);

private:
    const std::vector<std::string>& files_;
    int fd_ = -1;
    std::size_t open_file_ = 0;
    std::string row_;
    CsvFieldSplitter splitter_;
};

}  // namespace claimgate::recon
