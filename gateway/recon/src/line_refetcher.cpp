#include "line_refetcher.hpp"

#include <claimgate/recon/limits.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace claimgate::recon {

LineRefetcher::~LineRefetcher() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool LineRefetcher::fetch(std::size_t file_index, std::uint64_t offset,
                          std::size_t expected_fields) {
    if (fd_ < 0 || open_file_ != file_index) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = ::open(files_[file_index].c_str(), O_RDONLY | O_CLOEXEC);
        open_file_ = file_index;
        if (fd_ < 0) {
            return false;
        }
    }
    return readLine(fd_, offset, row_) && splitter_.split(row_) == expected_fields;
}

bool LineRefetcher::readLine(int fd, std::uint64_t offset, std::string& out) {
    constexpr std::size_t kFirstReadBytes = 512;
    for (std::size_t want = kFirstReadBytes;; want = kCsvLineBytesMax + 2) {
        out.resize(want);
        const ssize_t got = ::pread(fd, out.data(), want, static_cast<off_t>(offset));
        if (got <= 0) {
            return false;
        }
        out.resize(static_cast<std::size_t>(got));
        const std::size_t newline = out.find('\n');
        if (newline != std::string::npos || static_cast<std::size_t>(got) < want ||
            want > kFirstReadBytes) {
            if (newline != std::string::npos) {
                out.resize(newline);
            }
            if (!out.empty() && out.back() == '\r') {
                out.pop_back();
            }
            return true;
        }
    }
}

}  // namespace claimgate::recon
