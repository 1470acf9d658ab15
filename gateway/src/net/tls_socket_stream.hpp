// File: tls_socket_stream.hpp
// Server-side TLS on a non-blocking TCP socket, with OpenSSL reading and writing the socket
// itself (socket BIOs on the descriptor) and the reactor telling when it may (socket.async_wait).
//
// Why not boost::asio::ssl::stream: it stages every record through two 17 KiB vectors and a
// 2 x 17 KiB BIO pair that live as long as the connection, ~68 KiB per connection that an idle
// terminal never uses (docs/performance.md, "A national fleet on one node"). Here OpenSSL's own
// record buffers are the only ones, and SSL_MODE_RELEASE_BUFFERS (trust_store.cpp) frees them
// while a connection waits; a waiting read holds no buffer at all.
//
// No OpenSSL state exists until the peer's first TLS record has arrived whole: the bytes are
// gathered into a small vector, and only then is the SSL object made and fed them through a
// memory BIO before it moves on to the socket. OpenSSL's accept state costs ~40 KiB on its first
// call (the SSL object, a 21 KiB zeroed handshake buffer, a read buffer a partial record pins),
// so a silent or dribbling peer used to cost that much, and a burst of them mostly page faults
// that delay every connection behind them in the accept queue (docs/performance.md, "A silent
// peer costs no TLS state").
//
// Meets Beast's AsyncReadStream / AsyncWriteStream, so http::async_read and async_write work on
// it unchanged. All operations of one stream run on its connection's one I/O thread. There is
// no timeout here: the connection closes the socket at its deadline, which aborts a waiting
// operation, and no OpenSSL call is made on a closed socket (its descriptor number may already
// belong to another connection).
#pragma once

#include "net/io_thread_pool.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

namespace claimgate::gateway::net {

class TlsSocketStream {
public:
    using next_layer_type = IoSocket;
    using executor_type = next_layer_type::executor_type;

    /// `context` is up-referenced by OpenSSL: a CA or CRL reload may replace it meanwhile.
    TlsSocketStream(next_layer_type next, SSL_CTX* context);
    ~TlsSocketStream();
    TlsSocketStream(TlsSocketStream&& other) noexcept;
    TlsSocketStream& operator=(TlsSocketStream&&) = delete;
    TlsSocketStream(const TlsSocketStream&) = delete;
    TlsSocketStream& operator=(const TlsSocketStream&) = delete;

    executor_type get_executor() noexcept { return next_.get_executor(); }
    next_layer_type& next_layer() noexcept { return next_; }
    /// Null until the peer's first TLS record has arrived (the handshake has not begun), or if
    /// OpenSSL could not allocate the connection.
    SSL* native_handle() noexcept { return ssl_; }

    /// The server side of the handshake: void(error_code).
    template <class Handler>
    auto async_handshake(Handler&& handler) {
        return boost::asio::async_compose<Handler, void(boost::system::error_code)>(
            Operation<Io::handshake, boost::asio::mutable_buffer>{*this, {}}, handler,
            next_);
    }

    /// Decrypted bytes into the first non-empty buffer: void(error_code, std::size_t).
    template <class MutableBuffers, class Handler>
    auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        return boost::asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
            Operation<Io::read, MutableBuffers>{*this, buffers}, handler, next_);
    }

    /// Up to one TLS record of the buffers' bytes, encrypted: void(error_code, std::size_t).
    /// Beast hands a reply over as several buffers (status line, fields, body); they are
    /// gathered into one record so that a reply is one record and one send, not one per piece.
    template <class ConstBuffers, class Handler>
    auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        return boost::asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
            Operation<Io::write, ConstBuffers>{*this, buffers}, handler, next_);
    }

private:
    enum class Io { handshake, read, write };
    using Wait = boost::asio::socket_base::wait_type;

    /// One OpenSSL call. True when the operation is over (`result`, `bytes` set); false when it
    /// must wait for the socket (`wait` set).
    bool attempt(Io io, boost::asio::mutable_buffer region, boost::system::error_code& result,
                 std::size_t& bytes, Wait& wait);
    /// Reads what has arrived of the peer's first record into `hello_`. True when it is whole
    /// (or is not a TLS handshake record at all, which OpenSSL then refuses) and OpenSSL may
    /// start, or when `result` holds the error that ends the handshake; false to wait.
    bool gatherFirstRecord(boost::system::error_code& result);
    /// Makes the SSL object and feeds it `hello_` ahead of the socket; false if out of memory.
    bool startTls();
    /// The first-record bytes are used up: OpenSSL reads the socket from now on.
    bool readFromSocket();

    template <class Buffers>
    static boost::asio::mutable_buffer firstBuffer(const Buffers& buffers) {
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers); ++it) {
            const boost::asio::mutable_buffer buffer(*it);
            if (buffer.size() != 0) return buffer;
        }
        return {};
    }

    /// The record-sized prefix of `buffers`: the first buffer itself when it alone fills it or
    /// is the only one, else a copy into this thread's staging area. A retry after
    /// WANT_WRITE gathers again from the same buffers, so the bytes are the same even if another
    /// connection of this thread used the staging area meanwhile
    /// (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
    template <class Buffers>
    static boost::asio::const_buffer gather(const Buffers& buffers) {
        auto it = boost::asio::buffer_sequence_begin(buffers);
        const auto end = boost::asio::buffer_sequence_end(buffers);
        while (it != end && boost::asio::const_buffer(*it).size() == 0) ++it;
        if (it == end) return {};
        const boost::asio::const_buffer first(*it);
        auto next = it;
        ++next;
        while (next != end && boost::asio::const_buffer(*next).size() == 0) ++next;
        if (next == end || first.size() >= kRecordBytes) return first;
        auto& staging = stagingArea();
        std::size_t used = 0;
        for (; it != end && used < kRecordBytes; ++it) {
            const boost::asio::const_buffer piece(*it);
            const std::size_t take = std::min(piece.size(), kRecordBytes - used);
            std::memcpy(staging.data() + used, piece.data(), take);
            used += take;
        }
        return {staging.data(), used};
    }

    /// A TLS record's largest plaintext.
    static constexpr std::size_t kRecordBytes = 16 * 1024;
    static std::array<char, kRecordBytes>& stagingArea();

    /// The composed operation: try, wait for readiness, try again. A result known without any
    /// wait is delivered through a post, never inside the initiating call. Each try takes its
    /// bytes from `buffers` again: a read fills the first non-empty buffer, a write sends the
    /// gathered record (the same bytes on a retry, as OpenSSL requires).
    template <Io kIo, class Buffers>
    struct Operation {
        TlsSocketStream& stream;
        Buffers buffers;
        enum class Phase { first_try, waited, delivering } phase = Phase::first_try;
        boost::system::error_code result{};
        std::size_t bytes = 0;

        template <class Self>
        void operator()(Self& self, boost::system::error_code wait_error = {}) {
            if (phase == Phase::delivering) return deliver(self);
            if (wait_error) {  // the socket was closed (deadline, reaping) while we waited
                result = wait_error;
                return deliver(self);
            }
            Wait wait = Wait::wait_read;
            if (!stream.attempt(kIo, region(), result, bytes, wait)) {
                phase = Phase::waited;
                stream.next_.async_wait(wait, std::move(self));
                return;
            }
            if (phase == Phase::first_try) {
                phase = Phase::delivering;
                boost::asio::post(stream.get_executor(), std::move(self));
                return;
            }
            deliver(self);
        }

        boost::asio::mutable_buffer region() const {
            if constexpr (kIo == Io::read) {
                return firstBuffer(buffers);
            } else if constexpr (kIo == Io::write) {
                const auto record = gather(buffers);
                return {const_cast<void*>(record.data()), record.size()};
            } else {
                return {};
            }
        }

        template <class Self>
        void deliver(Self& self) {
            if constexpr (kIo == Io::handshake) {
                self.complete(result);
            } else {
                self.complete(result, bytes);
            }
        }
    };

    /// A TLS record header: type, version, length (RFC 8446, 5.1).
    static constexpr std::size_t kRecordHeaderBytes = 5;
    static constexpr unsigned char kHandshakeRecord = 0x16;

    next_layer_type next_;
    /// Up-referenced until startTls hands it to SSL_new.
    SSL_CTX* context_ = nullptr;
    SSL* ssl_ = nullptr;
    /// The first record's bytes (a vector: a memory BIO points into it, so it must not move).
    std::vector<unsigned char> hello_;
    /// OpenSSL's read BIO while it is fed `hello_`; null once it reads the socket.
    BIO* hello_bio_ = nullptr;
    bool out_of_memory_ = false;
};

}  // namespace claimgate::gateway::net
