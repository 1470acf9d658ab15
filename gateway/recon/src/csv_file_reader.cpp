#include <claimgate/recon/csv_file_reader.hpp>

#include <claimgate/recon/limits.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

Result<std::unique_ptr<CsvFileReader>> CsvFileReader::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Status(ErrorCode::not_found, path + ": cannot open: " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return Status(ErrorCode::bad_field, path + ": not a regular file");
    }
    // Tell the kernel we read front to back so it reads ahead aggressively.
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<CsvFileReader>(
        new CsvFileReader(fd, path, static_cast<std::uint64_t>(info.st_size)));
}

CsvFileReader::CsvFileReader(int fd, std::string path, std::uint64_t size_bytes)
    : fd_(fd),
      path_(std::move(path)),
      size_bytes_(size_bytes),
      buffer_(new char[kReadChunkBytes + kCsvLineBytesMax]),
      capacity_(kReadChunkBytes + kCsvLineBytesMax) {}

CsvFileReader::~CsvFileReader() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool CsvFileReader::refill() {
    if (eof_ || !status_.ok()) {
        return false;
    }
    if (begin_ > 0) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    const std::size_t before = end_;
    while (end_ < capacity_) {
        const ssize_t got = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            status_ = Status(ErrorCode::internal, path_ + ": read failed: " + std::strerror(errno));
            return false;
        }
        if (got == 0) {
            eof_ = true;
            break;
        }
        end_ += static_cast<std::size_t>(got);
        file_offset_ += static_cast<std::uint64_t>(got);
    }
    return end_ > before;
}

bool CsvFileReader::next(CsvLine& line) {
    bool skipping = false;  // inside a line longer than kCsvLineBytesMax
    std::uint64_t skip_offset = 0;
    for (;;) {
        char* const data = buffer_.get();
        const auto* newline =
            static_cast<const char*>(std::memchr(data + begin_, '\n', end_ - begin_));
        if (newline != nullptr) {
            const auto line_end = static_cast<std::size_t>(newline - data);
            const std::uint64_t offset = file_offset_ - (end_ - begin_);
            if (skipping) {
                begin_ = line_end + 1;
                line = CsvLine{{}, ++line_number_, skip_offset, true};
                return true;
            }
            std::size_t length = line_end - begin_;
            if (length > kCsvLineBytesMax) {
                begin_ = line_end + 1;
                line = CsvLine{{}, ++line_number_, offset, true};
                return true;
            }
            if (length > 0 && data[begin_ + length - 1] == '\r') {
                --length;
            }
            line = CsvLine{std::string_view(data + begin_, length), ++line_number_, offset, false};
            begin_ = line_end + 1;
            return true;
        }
        const std::size_t pending = end_ - begin_;
        if (pending > kCsvLineBytesMax) {
            if (!skipping) {
                skipping = true;
                skip_offset = file_offset_ - pending;
            }
            begin_ = end_;  // drop what we have of the overlong line, keep looking for its end
        }
        if (!refill()) {
            if (!status_.ok()) {
                return false;
            }
            if (skipping) {
                line = CsvLine{{}, ++line_number_, skip_offset, true};
                return true;
            }
            if (end_ > begin_) {  // last line without a line ending
                std::size_t length = end_ - begin_;
                const std::uint64_t offset = file_offset_ - length;
                if (data[begin_ + length - 1] == '\r') {
                    --length;
                }
                line =
                    CsvLine{std::string_view(data + begin_, length), ++line_number_, offset, false};
                begin_ = end_;
                return true;
            }
            return false;
        }
    }
}

std::string readLineAt(const std::string& path, std::uint64_t offset) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    std::string text(kCsvLineBytesMax + 2, '\0');
    const ssize_t got = ::pread(fd, text.data(), text.size(), static_cast<off_t>(offset));
    ::close(fd);
    if (got <= 0) {
        return {};
    }
    text.resize(static_cast<std::size_t>(got));
    const std::size_t newline = text.find('\n');
    if (newline != std::string::npos) {
        text.resize(newline);
    }
    if (!text.empty() && text.back() == '\r') {
        text.pop_back();
    }
    return text;
}

}  // namespace claimgate::recon
