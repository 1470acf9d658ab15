#include "roster/buffered_output.hpp"

#include <cerrno>
#include <cstring>

namespace claimgate::simulators {

BufferedOutput::~BufferedOutput() {
    if (file_ != nullptr && !is_stdout_) {
        std::fclose(file_);
        std::remove(temporary_path_.c_str());
    }
}

void BufferedOutput::fail(const std::string& what) {
    if (!failed_) {
        failed_ = true;
        error_ = what + ": " + std::strerror(errno);
    }
}

bool BufferedOutput::open(const std::string& path) {
    buffer_.resize(kOutputBufferBytes);
    used_ = 0;
    path_ = path;
    if (path == "-") {
        file_ = stdout;
        is_stdout_ = true;
        return true;
    }
    temporary_path_ = path + ".partial";
    file_ = std::fopen(temporary_path_.c_str(), "wb");
    if (file_ == nullptr) {
        fail("cannot create " + temporary_path_);
        return false;
    }
    // Our buffer is already large; stdio's own would only add a copy.
    std::setvbuf(file_, nullptr, _IONBF, 0);
    return true;
}

bool BufferedOutput::flush() {
    if (failed_ || file_ == nullptr) return false;
    if (used_ > 0) {
        if (std::fwrite(buffer_.data(), 1, used_, file_) != used_) {
            fail("cannot write " + (is_stdout_ ? std::string("stdout") : temporary_path_));
            return false;
        }
        bytes_written_ += used_;
        used_ = 0;
    }
    return true;
}

char* BufferedOutput::reserve(std::size_t bytes) {
    if (buffer_.size() - used_ < bytes) {
        flush();
        // After a write error keep accepting rows into the same space; commit() reports it.
        used_ = 0;
    }
    return buffer_.data() + used_;
}

void BufferedOutput::append(std::string_view text) {
    char* out = reserve(text.size());
    std::memcpy(out, text.data(), text.size());
    advance(text.size());
}

bool BufferedOutput::commit() {
    if (file_ == nullptr) return false;
    const bool flushed = flush();
    if (is_stdout_) {
        if (std::fflush(file_) != 0) fail("cannot write stdout");
        file_ = nullptr;
        return flushed && !failed_;
    }
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) fail("cannot write " + temporary_path_);
    if (!failed_ && std::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
        fail("cannot rename " + temporary_path_ + " to " + path_);
    }
    if (failed_) {
        std::remove(temporary_path_.c_str());
        return false;
    }
    return true;
}

}  // namespace claimgate::simulators
