// File: csv_file_reader.hpp
// Reads a CSV file line by line with large read() calls into one reusable buffer: no iostream,
// no allocation per line. Lines are views into the buffer, valid until the next call to next().
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace claimgate::recon {

/// One physical line without its line ending ("\n" or "\r\n").
struct CsvLine {
    std::string_view text;
    std::uint64_t number = 0;  ///< 1-based line number in the file
    std::uint64_t offset = 0;  ///< byte offset of the line's first byte
    bool too_long = false;     ///< longer than kCsvLineBytesMax; `text` is then empty
};

/// Not thread-safe; one reader per thread. Move-only (owns a file descriptor).
class CsvFileReader {
public:
    /// Opens a regular file for sequential reading.
    [[nodiscard]] static protocols::Result<std::unique_ptr<CsvFileReader>> open(
        const std::string& path);
    ~CsvFileReader();
    CsvFileReader(const CsvFileReader&) = delete;
    CsvFileReader& operator=(const CsvFileReader&) = delete;

    /// The next line; false at end of file or on a read error (then status() is not ok).
    [[nodiscard]] bool next(CsvLine& line);
    [[nodiscard]] const protocols::Status& status() const noexcept { return status_; }
    [[nodiscard]] std::uint64_t sizeBytes() const noexcept { return size_bytes_; }
    /// Bytes consumed so far (for progress).
    [[nodiscard]] std::uint64_t bytesDone() const noexcept {
        return file_offset_ - (end_ - begin_);
    }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    CsvFileReader(int fd, std::string path, std::uint64_t size_bytes);
    /// Moves the unread tail to the front and reads more; false at end of file or error.
    bool refill();

    int fd_;
    std::string path_;
    std::uint64_t size_bytes_;
    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::uint64_t file_offset_ = 0;  ///< offset of buffer_[end_] in the file
    std::uint64_t line_number_ = 0;
    bool eof_ = false;
    protocols::Status status_;
};

/// Reads the single line starting at `offset` (for exception details); empty on error.
[[nodiscard]] std::string readLineAt(const std::string& path, std::uint64_t offset);

}  // namespace claimgate::recon
