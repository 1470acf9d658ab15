#include "net/tls_socket_stream.hpp"

#include <openssl/err.h>

#include <cerrno>

namespace claimgate::gateway::net {

TlsSocketStream::TlsSocketStream(next_layer_type next, SSL_CTX* context)
    : next_(std::move(next)), ssl_(SSL_new(context)) {
    if (ssl_ == nullptr) return;
    boost::system::error_code ignored;
    // OpenSSL must get EAGAIN, not block the I/O thread; the reactor says when to try again.
    next_.non_blocking(true, ignored);
    if (SSL_set_fd(ssl_, static_cast<int>(next_.native_handle())) != 1) {
        SSL_free(ssl_);
        ssl_ = nullptr;
        return;
    }
    // A retried write passes the same bytes again, possibly from a moved buffer (Beast's
    // serializer), and a write may complete after one record, like a socket's write_some.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // One recv fills OpenSSL's record buffer with whatever has arrived (a record's header and
    // body together, or several pipelined records) instead of one recv per header and body.
    SSL_set_read_ahead(ssl_, 1);
    SSL_set_accept_state(ssl_);
}

std::array<char, TlsSocketStream::kRecordBytes>& TlsSocketStream::stagingArea() {
    thread_local std::array<char, kRecordBytes> staging;
    return staging;
}

TlsSocketStream::~TlsSocketStream() {
    // SSL_set_fd's BIO does not own the descriptor: the socket closes it.
    if (ssl_ != nullptr) SSL_free(ssl_);
}

TlsSocketStream::TlsSocketStream(TlsSocketStream&& other) noexcept
    : next_(std::move(other.next_)), ssl_(std::exchange(other.ssl_, nullptr)) {}

bool TlsSocketStream::attempt(Io io, boost::asio::mutable_buffer region,
                              boost::system::error_code& result, std::size_t& bytes, Wait& wait) {
    void* const data = region.data();
    const std::size_t size = region.size();
    bytes = 0;
    result = {};
    if (ssl_ == nullptr) {
        result = boost::asio::error::no_memory;
        return true;
    }
    if (!next_.is_open()) {
        result = boost::asio::error::operation_aborted;
        return true;
    }
    if (io != Io::handshake && size == 0) return true;
    // SSL_get_error reads this thread's error queue: it must hold only this call's errors.
    ERR_clear_error();
    errno = 0;
    int outcome = 0;
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
