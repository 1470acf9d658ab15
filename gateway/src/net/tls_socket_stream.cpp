#include "net/tls_socket_stream.hpp"

#include <openssl/err.h>

#include <sys/socket.h>

#include <cassert>
#include <cerrno>

namespace claimgate::gateway::net {

TlsSocketStream::TlsSocketStream(next_layer_type next, SSL_CTX* context)
    : next_(std::move(next)), context_(context) {
    assert(context_ != nullptr);
    SSL_CTX_up_ref(context_);
    boost::system::error_code ignored;
    // OpenSSL must get EAGAIN, not block the I/O thread; the reactor says when to try again.
    next_.non_blocking(true, ignored);
}

bool TlsSocketStream::gatherFirstRecord(boost::system::error_code& result) {
    auto& area = stagingArea();
    for (;;) {
        std::size_t missing = 0;
        if (hello_.size() < kRecordHeaderBytes) {
            // Whatever has arrived, up to a whole record: one recv for a ClientHello sent at once.
            missing = kRecordHeaderBytes + kRecordBytes - hello_.size();
        } else {
            const std::size_t length = (std::size_t{hello_[3]} << 8) | hello_[4];
            // Not a handshake record, or longer than TLS allows: OpenSSL refuses it at once.
            if (hello_[0] != kHandshakeRecord || length > kRecordBytes) return true;
            if (hello_.size() >= kRecordHeaderBytes + length) return true;
            missing = kRecordHeaderBytes + length - hello_.size();
        }
        const ssize_t got =
            ::recv(next_.native_handle(), area.data(), std::min(missing, area.size()), 0);
        if (got > 0) {
            hello_.insert(hello_.end(), area.data(), area.data() + got);
            continue;
        }
        if (got == 0) {  // closed before a handshake began
            result = boost::asio::error::eof;
            return true;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
        result = {errno, boost::system::system_category()};
        return true;
    }
}

bool TlsSocketStream::startTls() {
    ssl_ = SSL_new(context_);
    if (ssl_ == nullptr) return false;
    SSL_CTX_free(context_);  // the SSL object holds its own reference
    context_ = nullptr;
    const int fd = static_cast<int>(next_.native_handle());
    BIO* hello = BIO_new_mem_buf(hello_.data(), static_cast<int>(hello_.size()));
    BIO* socket = BIO_new_socket(fd, BIO_NOCLOSE);  // the socket closes the descriptor
    if (hello == nullptr || socket == nullptr) {
        BIO_free(hello);
        BIO_free(socket);
        return false;
    }
    // Used up is "try again" (then the socket), not end of stream.
    BIO_set_mem_eof_return(hello, -1);
    SSL_set_bio(ssl_, hello, socket);
    hello_bio_ = hello;
    // A retried write passes the same bytes again, possibly from a moved buffer (Beast's
    // serializer), and a write may complete after one record, like a socket's write_some.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // One recv fills OpenSSL's record buffer with whatever has arrived (a record's header and
    // body together, or several pipelined records) instead of one recv per header and body.
    SSL_set_read_ahead(ssl_, 1);
    SSL_set_accept_state(ssl_);
    return true;
}

bool TlsSocketStream::readFromSocket() {
    BIO* socket = BIO_new_socket(static_cast<int>(next_.native_handle()), BIO_NOCLOSE);
    if (socket == nullptr) return false;
    SSL_set0_rbio(ssl_, socket);  // frees the memory BIO
    hello_bio_ = nullptr;
    std::vector<unsigned char>().swap(hello_);
    return true;
}

std::array<char, TlsSocketStream::kRecordBytes>& TlsSocketStream::stagingArea() {
    thread_local std::array<char, kRecordBytes> staging;
    return staging;
}

TlsSocketStream::~TlsSocketStream() {
    if (ssl_ != nullptr) SSL_free(ssl_);  // with its BIOs, which do not own the descriptor
    if (context_ != nullptr) SSL_CTX_free(context_);
}

TlsSocketStream::TlsSocketStream(TlsSocketStream&& other) noexcept
    : next_(std::move(other.next_)),
      context_(std::exchange(other.context_, nullptr)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      hello_(std::move(other.hello_)),
      hello_bio_(std::exchange(other.hello_bio_, nullptr)),
      out_of_memory_(other.out_of_memory_) {}

bool TlsSocketStream::attempt(Io io, boost::asio::mutable_buffer region,
                              boost::system::error_code& result, std::size_t& bytes, Wait& wait) {
    void* const data = region.data();
    const std::size_t size = region.size();
    bytes = 0;
    result = {};
    if (out_of_memory_) {
        result = boost::asio::error::no_memory;
        return true;
    }
    if (!next_.is_open()) {
        result = boost::asio::error::operation_aborted;
        return true;
    }
    if (ssl_ == nullptr) {
        assert(io == Io::handshake);  // reads and writes come after a completed handshake
        if (!gatherFirstRecord(result)) {
            wait = Wait::wait_read;
            return false;
        }
        if (result) return true;
        if (!startTls()) {
            out_of_memory_ = true;
            result = boost::asio::error::no_memory;
            return true;
        }
    }
    if (io != Io::handshake && size == 0) return true;
    int outcome = 0;
    for (;;) {
        // SSL_get_error reads this thread's error queue: it must hold only this call's errors.
        ERR_clear_error();
        errno = 0;
        switch (io) {
            case Io::handshake:
                outcome = SSL_do_handshake(ssl_);
                break;
            case Io::read:
                outcome = SSL_read_ex(ssl_, data, size, &bytes);
                break;
            case Io::write:
                outcome = SSL_write_ex(ssl_, data, size, &bytes);
                break;
        }
        // The first record is used up and OpenSSL wants more: from the socket, at once.
        if (outcome != 1 && hello_bio_ != nullptr && BIO_pending(hello_bio_) == 0 &&
            SSL_get_error(ssl_, outcome) == SSL_ERROR_WANT_READ) {
            if (!readFromSocket()) {
                out_of_memory_ = true;
                result = boost::asio::error::no_memory;
                return true;
            }
            continue;
        }
        break;
    }
    if (outcome == 1) return true;
    bytes = 0;
    switch (SSL_get_error(ssl_, outcome)) {
        case SSL_ERROR_WANT_READ:
            wait = Wait::wait_read;
            return false;
        case SSL_ERROR_WANT_WRITE:
            wait = Wait::wait_write;
            return false;
        case SSL_ERROR_ZERO_RETURN:  // close_notify: the peer ended the stream cleanly
            result = boost::asio::error::eof;
            return true;
        case SSL_ERROR_SYSCALL:
            if (const auto code = ERR_get_error(); code != 0) {
                result = {static_cast<int>(code), boost::asio::error::get_ssl_category()};
            } else if (errno != 0) {
                result = {errno, boost::system::system_category()};
            } else {
                result = boost::asio::ssl::error::stream_truncated;
            }
            return true;
        default:
            if (const auto code = ERR_get_error(); code != 0) {
                result = {static_cast<int>(code), boost::asio::error::get_ssl_category()};
            } else {
                result = boost::asio::ssl::error::stream_truncated;
            }
            return true;
    }
}

}  // namespace claimgate::gateway::net
