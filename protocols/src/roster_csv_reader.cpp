#include <claimgate/protocols/roster_csv_reader.hpp>

#include <claimgate/protocols/limits.hpp>

#include <sys/stat.h>

#include <cstring>

namespace claimgate::protocols {
namespace {

// Large reads keep a national roster (~800 MB) at a few hundred syscalls per second.
constexpr std::size_t kReadBufferBytes = 4 << 20;
static_assert(kReadBufferBytes > 2 * kRosterLineBytesMax);

}  // namespace

Result<RosterCsvReader> RosterCsvReader::open(const std::string& path,
                                              std::string_view leading_column) {
    RosterCsvReader reader(path);
    reader.file_.reset(std::fopen(path.c_str(), "rb"));
    if (!reader.file_) return Status(ErrorCode::bad_field, "cannot read roster " + path);
    struct stat info {};
    if (::fstat(::fileno(reader.file_.get()), &info) == 0) {
        reader.bytes_total_ = static_cast<std::uint64_t>(info.st_size);
    }
    reader.buffer_.resize(kReadBufferBytes);
    std::string_view header;
    auto got = reader.readRawLine(header);
    if (!got) return got.status();
    if (!*got) return Status(ErrorCode::bad_field, path + ": empty roster file (no header)");
    if (!leading_column.empty()) {
        const std::string prefix = std::string(leading_column) + ",";
        if (header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);  // UTF-8 BOM
        if (header.substr(0, prefix.size()) != prefix) {
            return reader.lineError(
                1, Status(ErrorCode::bad_field, "header must start with " + prefix));
        }
        header.remove_prefix(prefix.size());
        reader.has_leading_column_ = true;
    }
    auto columns = RosterCsv::parseHeader(header);
    if (!columns) return reader.lineError(1, columns.status());
    reader.columns_ = *columns;
    return reader;
}

Status RosterCsvReader::lineError(std::uint64_t line_number, const Status& problem) const {
    return Status(problem.code(),
                  path_ + ":" + std::to_string(line_number) + ": " + problem.message());
}

Result<bool> RosterCsvReader::readRawLine(std::string_view& line) {
    for (;;) {
        const char* start = buffer_.data() + begin_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
        if (newline != nullptr || (eof_ && begin_ < end_)) {
            const std::size_t length =
                newline != nullptr ? static_cast<std::size_t>(newline - start) : end_ - begin_;
            ++line_number_;
            if (length > kRosterLineBytesMax + 1) {  // + 1: a CR
                return lineError(
                    line_number_,
                    Status(ErrorCode::bad_field,
                           "line: longer than " + std::to_string(kRosterLineBytesMax) + " bytes"));
            }
            line = std::string_view(start, length);
            const std::size_t consumed = length + (newline != nullptr ? 1 : 0);
            begin_ += consumed;
            bytes_read_ += consumed;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            return true;
        }
        if (eof_) return false;
        if (end_ - begin_ > kRosterLineBytesMax + 1) {
            return lineError(
                line_number_ + 1,
                Status(ErrorCode::bad_field,
                       "line: longer than " + std::to_string(kRosterLineBytesMax) + " bytes"));
        }
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        const std::size_t got =
            std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_.get());
        if (got == 0) {
            if (std::ferror(file_.get()) != 0) {
                return Status(ErrorCode::internal, "cannot read roster " + path_);
            }
            eof_ = true;
        }
        end_ += got;
    }
}

Result<bool> RosterCsvReader::nextLine(std::string_view& line, std::uint64_t& line_number) {
    for (;;) {
        auto got = readRawLine(line);
        if (!got || !*got) return got;
        if (line.empty()) continue;
        line_number = line_number_;
        return true;
    }
}

Result<bool> RosterCsvReader::next(RosterCsvRow& row) {
    std::string_view line;
    std::uint64_t line_number = 0;
    auto got = nextLine(line, line_number);
    if (!got || !*got) return got;
    if (has_leading_column_) {
        const auto comma = line.find(',');
        if (comma == std::string_view::npos) {
            return lineError(line_number, Status(ErrorCode::bad_field, "line: too few fields"));
        }
        leading_value_.assign(line.substr(0, comma));
        line.remove_prefix(comma + 1);
    }
    if (auto parsed = RosterCsv::parseRow(line, columns_, row); !parsed.ok()) {
        return lineError(line_number, parsed);
    }
    return true;
}

}  // namespace claimgate::protocols
