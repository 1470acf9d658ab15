#include "net/http_connection.hpp"

#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/messages.hpp>
#include <claimgate/protocols/status.hpp>

#include <claimgate/gateway/metrics.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <openssl/ssl.h>

#include <array>
#include <cassert>
#include <charconv>

namespace claimgate::gateway::net {
namespace {

namespace http = boost::beast::http;
using boost::beast::error_code;

/// Where discarded bytes (an oversized body, a lingering close) go. Per I/O thread: the bytes
/// are never looked at, so connections of one thread may share it.
std::array<char, 16 * 1024>& discardBuffer() {
    thread_local std::array<char, 16 * 1024> buffer;
    return buffer;
}

/// The first read of a waiting keep-alive connection: small, the rest follows in readHead.
constexpr std::size_t kFirstReadBytes = 1024;
/// Body buffer growth when the length is not declared (chunked).
constexpr std::size_t kBodyGrowBytes = 2048;
/// How long, and how much, a closing connection keeps reading so our last reply is not lost to
/// a reset while the peer is still sending.
constexpr std::chrono::milliseconds kLingerDeadline{1000};
/// A waiting connection keeps a reply buffer up to this size for its next reply (an
/// eligibility or claim reply is a few hundred bytes); a larger one is released.
constexpr std::size_t kIdleReplyBufferBytesMax = 2048;

std::int64_t steadyMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <class Integer>
void appendDecimal(std::string& out, Integer value) {
    std::array<char, 24> digits{};
    const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), written.ptr);
}

bool isHttpParseError(const error_code& error) {
    return error.category() == http::make_error_code(http::error::bad_method).category();
}

}  // namespace

template <class Stream>
HttpConnection<Stream>::HttpConnection(Stream stream, std::shared_ptr<ConnectionContext> context,
                                       std::string peer_address)
    : stream_(std::move(stream)),
      deadline_(boost::beast::get_lowest_layer(stream_).get_executor()),
      context_(std::move(context)),
      buffer_(kRequestHeadBytesMax + protocols::kRequestBodyBytesMax) {
    peer_.address = std::move(peer_address);
}

template <class Stream>
HttpConnection<Stream>::~HttpConnection() {
    if (id_ != 0) {
        context_->tracker.release(id_);
        context_->metrics.connectionClosed(context_->listener);
    }
}

template <class Stream>
IoSocket& HttpConnection<Stream>::tcp() {
    return boost::beast::get_lowest_layer(stream_);
}

template <class Stream>
void HttpConnection<Stream>::start(ConnectionTracker::Id id) {
    assert(id != 0);
    id_ = id;
    context_->metrics.connectionOpened(context_->listener);
    // One deadline for the handshake and the first request head together.
    setDeadline(context_->head_deadline);
    if constexpr (kTls) {
        stream_.async_handshake(boost::beast::bind_front_handler(&HttpConnection::onHandshake,
                                                                 this->shared_from_this()));
    } else {
        readHead();
    }
}

template <class Stream>
void HttpConnection<Stream>::onHandshake(error_code error) {
    if (error) {
        if (handshake_failure_counted_) return;  // the deadline counted it and closed
        auto reason = HandshakeFailure::handshake;
        if constexpr (kTls) {
            // The peer presented a certificate we could not verify (unknown CA, expired). No
            // SSL object means the peer closed before its first record: nothing was verified.
            SSL* ssl = stream_.native_handle();
            if (ssl != nullptr && SSL_get_verify_result(ssl) != X509_V_OK) {
                reason = HandshakeFailure::untrusted;
            }
        }
        context_->metrics.tlsHandshakeFailed(reason);
        closeSocket();
        return;
    }
    if constexpr (kTls) {
        handshaken_ = true;
        X509* certificate = SSL_get1_peer_certificate(stream_.native_handle());
        if (certificate != nullptr) peer_.certificate.reset(certificate, X509_free);
    }
    readHead();
}

template <class Stream>
void HttpConnection<Stream>::readRequest() {
    if (buffer_.size() > 0) {  // a pipelined request is already here
        setDeadline(context_->head_deadline);
        readHead();
        return;
    }
    buffer_.shrink_to_fit();  // an idle connection holds no request buffer
    if (response_bytes_.capacity() > kIdleReplyBufferBytesMax) std::string().swap(response_bytes_);
    idle_ = true;
    context_->tracker.markIdle(id_);
    setDeadline(context_->idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kFirstReadBytes),
        boost::beast::bind_front_handler(&HttpConnection::onFirstBytes, this->shared_from_this()));
}

template <class Stream>
void HttpConnection<Stream>::onFirstBytes(error_code error, std::size_t bytes) {
    if (idle_) {
        idle_ = false;
        context_->tracker.markBusy(id_);
    }
    if (error) {  // closed by the peer, idle timeout, or reaped
        closeSocket();
        return;
    }
    buffer_.commit(bytes);
    setDeadline(context_->head_deadline);
    readHead();
}

template <class Stream>
void HttpConnection<Stream>::readHead() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kRequestHeadBytesMax));
    parser_->body_limit(kOversizedBodyDrainBytesMax);
    // A request head nearly always arrives whole with the first read. Parsing what is
    // buffered here, instead of through the composed read (which parses the same bytes and
    // then completes through the scheduler), saves a handler round trip per request
    // (docs/performance.md, front end). The composed read takes over when the head is not
    // complete yet; the parser keeps its state, so nothing is parsed twice.
    if (buffer_.size() > 0) {
        error_code error;
        buffer_.consume(parser_->put(buffer_.data(), error));
        if (error != http::error::need_more) {
            onHead(error);
            return;
        }
    }
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code error, std::size_t) { self->onHead(error); });
}

template <class Stream>
void HttpConnection<Stream>::onHead(error_code error) {
    if (error == http::error::body_limit) {
        refuse(413, "request body exceeds 16 KiB");
        return;
    }
    if (error == http::error::header_limit || error == http::error::buffer_overflow) {
        refuse(400, "request head exceeds 8 KiB");
        return;
    }
    if (error && isHttpParseError(error) && error != http::error::end_of_stream &&
        error != http::error::partial_message) {
        refuse(400, "malformed HTTP request: " + error.message());
        return;
    }
    if (error) {  // silent or dribbling peer at its deadline, reset, or end of stream
        closeSocket();
        return;
    }
    const auto& head = parser_->get();
    // Beast refuses Transfer-Encoding: chunked next to Content-Length and a non-numeric
    // Content-Length; this also refuses the other codings next to a length, and a request
    // coding that does not end in chunked (RFC 9112 §6.3): no body length to trust.
    const bool has_coding = head.count(http::field::transfer_encoding) != 0;
    if (has_coding && (head.count(http::field::content_length) != 0 || !parser_->chunked())) {
        refuse(400, "Transfer-Encoding with Content-Length, or not chunked");
        return;
    }
    if (head.target().size() > kRequestTargetBytesMax) {
        refuse(400, "request target exceeds 2 KiB");
        return;
    }
    head_received_micros_ = steadyMicros();
    body_.clear();
    body_bytes_seen_ = 0;
    if (parser_->is_done()) {
        dispatchRequest();
        return;
    }
    setDeadline(std::chrono::milliseconds(kBodyDeadlineMillis));
    readBody();
}

template <class Stream>
void HttpConnection<Stream>::readBody() {
    auto& body = parser_->get().body();
    const bool draining = body_bytes_seen_ > protocols::kRequestBodyBytesMax;
    if (draining) {
        body.data = discardBuffer().data();
        body.size = discardBuffer().size();
    } else {
        // Room for the declared length (or a step of a chunked body), and one byte more so
        // an oversized chunked body is noticed.
        const auto declared = parser_->content_length();
        const std::size_t have = body_.size();
        const std::size_t want =
            declared ? static_cast<std::size_t>(*declared) - have : kBodyGrowBytes;
        const std::size_t room = std::min(want, protocols::kRequestBodyBytesMax + 1 - have);
        assert(room > 0);
        body_.resize(have + room);
        body.data = body_.data() + have;
        body.size = room;
    }
    body.more = true;
    // As in readHead: a body that is already buffered is parsed here (the parser stops at the
    // end of this body buffer with need_buffer, which onBody treats as "room needed").
    if (buffer_.size() > 0) {
        error_code error;
        buffer_.consume(parser_->put(buffer_.data(), error));
        if (parser_->is_done() || (error && error != http::error::need_more)) {
            onBody(error);
            return;
        }
    }
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code error, std::size_t) { self->onBody(error); });
}

template <class Stream>
void HttpConnection<Stream>::onBody(error_code error) {
    if (error == http::error::need_buffer) error = {};
    auto& body = parser_->get().body();
    const bool draining = body_bytes_seen_ > protocols::kRequestBodyBytesMax;
    if (!draining) {
        // The parser advanced body.data by what it wrote; what is left over is unused room.
        const std::size_t used =
            static_cast<std::size_t>(static_cast<char*>(body.data) - body_.data());
        body_.resize(used);
        body_bytes_seen_ = used;
        if (used > protocols::kRequestBodyBytesMax) body_.clear();
    } else {
        body_bytes_seen_ += discardBuffer().size() - body.size;
    }
    if (error == http::error::body_limit) {
        refuse(413, "request body exceeds 16 KiB");
        return;
    }
    if (error && isHttpParseError(error) && error != http::error::end_of_stream &&
        error != http::error::partial_message) {
        refuse(400, "malformed HTTP request body: " + error.message());
        return;
    }
    if (error) {
        closeSocket();
        return;
    }
    if (!parser_->is_done()) {
        readBody();
        return;
    }
    dispatchRequest();
}

template <class Stream>
void HttpConnection<Stream>::dispatchRequest() {
    const auto& head = parser_->get();
    HttpRequest request;
    request.method = std::string(head.method_string());
    request.target = std::string(head.target());
    request.body_too_large = body_bytes_seen_ > protocols::kRequestBodyBytesMax;
    if (!request.body_too_large) request.body = std::move(body_);
    body_ = std::string();
    if (const auto key = head.find("Idempotency-Key"); key != head.end()) {
        request.idempotency_key = std::string(key->value());
    }
    if (const auto auth = head.find(http::field::authorization); auth != head.end()) {
        request.authorization = std::string(auth->value());
    }
    request.received_micros = head_received_micros_;
    close_after_write_ = !head.keep_alive();
    parser_.reset();
    // No read is pending until the reply is written: a pipelined next request waits in
    // buffer_, and no deadline runs while the ledger works (it answers or the node stops).
    auto executor = tcp().get_executor();
    context_->handler.handle(
        std::move(request), peer_,
        [self = this->shared_from_this(), executor](HttpResponse reply) mutable {
            boost::asio::dispatch(executor, [self, reply = std::move(reply)]() mutable {
                self->writeResponse(std::move(reply));
            });
        });
}

template <class Stream>
void HttpConnection<Stream>::writeResponse(HttpResponse reply) {
    if (closed_) return;
    assert(!writing_);
    writing_ = true;
    close_after_write_ = close_after_write_ || reply.close;
    formatResponse(reply);
    setDeadline(std::chrono::milliseconds(kWriteDeadlineMillis));
    boost::asio::async_write(stream_, boost::asio::buffer(response_bytes_),
                             [self = this->shared_from_this()](error_code error, std::size_t) {
                                 self->onWritten(error);
                             });
}

template <class Stream>
void HttpConnection<Stream>::formatResponse(const HttpResponse& reply) {
    // What Beast's serializer wrote for the same reply, in one buffer: one send (one TLS
    // record) and no per-field allocations. HTTP/1.1 keeps the connection open unless it says
    // "Connection: close".
    assert(reply.status >= 100 && reply.status <= 599);
    const auto reason = http::obsolete_reason(static_cast<http::status>(reply.status));
    std::string& out = response_bytes_;
    out.clear();
    out.append("HTTP/1.1 ");
    appendDecimal(out, reply.status);
    out.push_back(' ');
    out.append(reason.data(), reason.size());
    out.append("\r\nContent-Type: ").append(reply.content_type);
    if (reply.retry_after_s > 0) {
        out.append("\r\nRetry-After: ");
        appendDecimal(out, reply.retry_after_s);
    }
    if (close_after_write_) out.append("\r\nConnection: close");
    out.append("\r\nContent-Length: ");
    appendDecimal(out, reply.body.size());
    out.append("\r\n\r\n").append(reply.body);
}

template <class Stream>
void HttpConnection<Stream>::onWritten(error_code error) {
    writing_ = false;
    if (error) {
        closeSocket();
        return;
    }
    if (!close_after_write_) {
        readRequest();
        return;
    }
    // Lingering close: stop sending, then read and discard until the peer closes (bounded by
    // kLingerDeadline), so unread request bytes do not turn our reply into a reset.
    error_code ignored;
    tcp().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    setDeadline(kLingerDeadline);
    auto linger = std::make_shared<std::function<void(error_code, std::size_t)>>();
    *linger = [self = this->shared_from_this(), linger](error_code read_error, std::size_t) {
        if (read_error) {
            self->closeSocket();
            *linger = nullptr;  // break the self-reference
            return;
        }
        self->tcp().async_read_some(boost::asio::buffer(discardBuffer()), *linger);
    };
    tcp().async_read_some(boost::asio::buffer(discardBuffer()), *linger);
}

template <class Stream>
void HttpConnection<Stream>::refuse(int status, const std::string& message) {
    const auto code =
        status == 413 ? protocols::ErrorCode::body_too_large : protocols::ErrorCode::bad_field;
    HttpResponse reply;
    reply.status = status;
    reply.body = protocols::encodeErrorEnvelope(protocols::Status(code, message));
    reply.close = true;
    parser_.reset();
    context_->metrics.recordRequest(Route::other, status, 0);
    writeResponse(std::move(reply));
}

template <class Stream>
void HttpConnection<Stream>::closeSocket() {
    if (closed_) return;
    closed_ = true;
    deadline_.cancel();
    error_code ignored;
    tcp().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    tcp().close(ignored);
}

template <class Stream>
void HttpConnection<Stream>::setDeadline(std::chrono::milliseconds after) {
    deadline_at_ = std::chrono::steady_clock::now() + after;
    // A later deadline leaves the timer as it is: when it fires it finds the deadline ahead
    // and re-arms for it.
    if (timer_at_ > deadline_at_) armTimer(deadline_at_);
}

template <class Stream>
void HttpConnection<Stream>::armTimer(std::chrono::steady_clock::time_point at) {
    const std::uint32_t generation = ++deadline_generation_;
    timer_at_ = at;
    deadline_.expires_at(at);  // cancels the wait for the previous expiry
    deadline_.async_wait([weak = this->weak_from_this(), generation](error_code error) {
        if (error) return;
        const auto self = weak.lock();
        if (!self || self->deadline_generation_ != generation || self->closed_) return;
        self->onTimer();
    });
}

template <class Stream>
void HttpConnection<Stream>::onTimer() {
    timer_at_ = std::chrono::steady_clock::time_point::max();
    if (std::chrono::steady_clock::now() < deadline_at_) {
        armTimer(deadline_at_);
        return;
    }
    if (!handshaken_) {
        // Counted before the close: the peer (and a test reading /metrics) sees the close at
        // once, while the aborted handshake's completion runs only later.
        context_->metrics.tlsHandshakeFailed(HandshakeFailure::timeout);
        handshake_failure_counted_ = true;
    }
    closeSocket();
}

template <class Stream>
void HttpConnection<Stream>::reap() {
    boost::asio::post(tcp().get_executor(), [self = this->shared_from_this()] {
        if (!self->idle_ || self->closed_) return;
        self->context_->metrics.connectionReaped(self->context_->listener);
        self->closeSocket();
    });
}

template class HttpConnection<TlsStream>;
template class HttpConnection<PlainStream>;

}  // namespace claimgate::gateway::net
