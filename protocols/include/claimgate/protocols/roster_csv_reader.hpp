// File: roster_csv_reader.hpp
// Reads a roster CSV file (contracts §11) line by line: the header first (its columns decide
// how rows are read), then data lines with their numbers. Blank lines are skipped; a line
// longer than kRosterLineBytesMax stops the read. Rows are validated by RosterCsv::parseRow,
// either here (next) or by the caller on other threads (nextLine, for national-size imports).
//
//   auto reader = RosterCsvReader::open("roster.csv");
//   RosterCsvRow row;
//   while (true) { auto more = reader->next(row); if (!more) ...; if (!*more) break; use(row); }
//
// Errors carry "PATH:LINE: column: problem" and never a value. Not thread-safe (one reader).
#pragma once

#include <claimgate/protocols/roster_csv.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::protocols {

class RosterCsvReader {
public:
    /// Opens `path` and reads its header. Errors: bad_field (cannot open, empty, bad header).
    /// A roster change file puts one more column first (`op,citizen_id,...`): name it in
    /// `leading_column`; each row's value of it is then leadingValue().
    [[nodiscard]] static Result<RosterCsvReader> open(const std::string& path,
                                                      std::string_view leading_column = {});

    /// The next non-blank data line (no newline, no CR) and its 1-based number; the view lives
    /// until the next call. false at the end of the file. Error: bad_field for an over-long line.
    [[nodiscard]] Result<bool> nextLine(std::string_view& line, std::uint64_t& line_number);
    /// nextLine + RosterCsv::parseRow; a bad row is an error naming its line.
    [[nodiscard]] Result<bool> next(RosterCsvRow& row);

    /// "PATH:LINE: " + the problem: the one form every roster error takes.
    [[nodiscard]] Status lineError(std::uint64_t line_number, const Status& problem) const;

    [[nodiscard]] RosterCsvColumns columns() const noexcept { return columns_; }
    /// The leading column's value in the row next() returned last (empty without one).
    [[nodiscard]] const std::string& leadingValue() const noexcept { return leading_value_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] std::uint64_t bytesRead() const noexcept { return bytes_read_; }
    [[nodiscard]] std::uint64_t bytesTotal() const noexcept { return bytes_total_; }

private:
    struct FileCloser {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };

    explicit RosterCsvReader(std::string path) : path_(std::move(path)) {}
    /// One raw line, blank or not; false at the end of the file.
    Result<bool> readRawLine(std::string_view& line);

    std::string path_;
    std::unique_ptr<std::FILE, FileCloser> file_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
    std::size_t end_ = 0;
    bool eof_ = false;
    std::uint64_t line_number_ = 0;
    std::uint64_t bytes_read_ = 0;
    std::uint64_t bytes_total_ = 0;
    RosterCsvColumns columns_ = RosterCsvColumns::basic;
    bool has_leading_column_ = false;
    std::string leading_value_;
};

}  // namespace claimgate::protocols
