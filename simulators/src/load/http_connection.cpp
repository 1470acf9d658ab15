#include "load/http_connection.hpp"

#include "load/load_limits.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace claimgate::simulators {
namespace {

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const char a = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
        if (a != prefix[i]) return false;
    }
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

const char* failureOf(const Poco::Exception& error) {
    if (dynamic_cast<const Poco::TimeoutException*>(&error) != nullptr) return "timeout";
    if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&error) != nullptr) {
        return "connection_reset";
    }
    if (dynamic_cast<const Poco::Net::SSLException*>(&error) != nullptr) return "tls_error";
    return "io_error";
}

}  // namespace

HttpConnection::HttpConnection(GatewayUrl url, Poco::Net::Context::Ptr tls_context)
    : url_(std::move(url)), tls_context_(std::move(tls_context)) {
    const bool ipv6 = url_.host.find(':') != std::string::npos;
    host_header_ = (ipv6 ? "[" + url_.host + "]" : url_.host) + ":" + std::to_string(url_.port);
    request_.reserve(1024);
    buffer_.resize(kLoadResponseBytesMax);
}

HttpConnection::~HttpConnection() { close(); }

void HttpConnection::close() noexcept {
    if (!socket_) return;
    try {
        socket_->close();
    } catch (const Poco::Exception&) {
        // Closing a broken socket may fail; it is being dropped either way.
    }
    socket_.reset();
}

bool HttpConnection::connect(const char*& failure) {
    try {
        const Poco::Net::SocketAddress address(url_.host, url_.port);
        const Poco::Timespan timeout(kLoadIoTimeoutSeconds, 0);
        if (tls_context_) {
            auto secure = std::make_unique<Poco::Net::SecureStreamSocket>(tls_context_);
            // The server certificate is checked against this name (SAN 127.0.0.1 / localhost).
            secure->setPeerHostName(url_.host);
            secure->connect(address, timeout);
            secure->completeHandshake();
            socket_ = std::move(secure);
        } else {
            auto plain = std::make_unique<Poco::Net::StreamSocket>();
            plain->connect(address, timeout);
            socket_ = std::move(plain);
        }
        socket_->setNoDelay(true);
        socket_->setReceiveTimeout(timeout);
        socket_->setSendTimeout(timeout);
        ++connects_;
        connect_failures_ = 0;
        return true;
    } catch (const Poco::Net::SSLException&) {
        failure = "tls_handshake_failed";
    } catch (const Poco::Exception&) {
        failure = "connect_failed";
    }
    ++connect_failures_;
    close();
    return false;
}

bool HttpConnection::open() {
    const char* failure = nullptr;
    return socket_ != nullptr || connect(failure);
}

HttpReply HttpConnection::request(std::string_view method, std::string_view path,
                                  std::string_view body, std::string_view idempotency_key) {
    HttpReply reply;
    if (!socket_ && !connect(reply.failure)) return reply;
    request_.clear();
    request_.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ");
    request_.append(host_header_).append("\r\n");
    if (!idempotency_key.empty()) {
        request_.append("Idempotency-Key: ").append(idempotency_key).append("\r\n");
    }
    if (method == "POST") {
        char length[24];
        const auto [end, error] = std::to_chars(length, length + sizeof length, body.size());
        (void)error;
        request_.append("Content-Type: application/json\r\nContent-Length: ")
            .append(length, static_cast<std::size_t>(end - length))
            .append("\r\n");
    }
    request_.append("\r\n").append(body);
    try {
        std::size_t sent = 0;
        while (sent < request_.size()) {
            const int n = socket_->sendBytes(request_.data() + sent,
                                             static_cast<int>(request_.size() - sent));
            if (n <= 0) {
                reply.failure = "connection_closed";
                close();
                return reply;
            }
            sent += static_cast<std::size_t>(n);
        }
        return receive();
    } catch (const Poco::Exception& error) {
        reply.failure = failureOf(error);
    }
    close();
    return reply;
}

HttpReply HttpConnection::receive() {
    HttpReply reply;
    std::size_t have = 0;
    std::size_t header_end = std::string_view::npos;
    while (header_end == std::string_view::npos) {
        if (have == buffer_.size()) {
            reply.failure = "reply_too_large";
            close();
            return reply;
        }
        const int n =
            socket_->receiveBytes(buffer_.data() + have, static_cast<int>(buffer_.size() - have));
        if (n <= 0) {
            reply.failure = "connection_closed";
            close();
            return reply;
        }
        have += static_cast<std::size_t>(n);
        header_end = std::string_view(buffer_.data(), have).find("\r\n\r\n");
    }
    const std::string_view head(buffer_.data(), header_end);
    // Status line: HTTP/1.1 NNN reason
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
        reply.failure = "bad_reply";
        close();
        return reply;
    }
    int status = 0;
    std::from_chars(head.data() + 9, head.data() + 12, status);
    std::size_t content_length = 0;
    bool keep_alive = head.substr(5, 3) == "1.1";
    std::size_t line_start = head.find("\r\n");
    while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
        const std::size_t next = head.find("\r\n", line_start + 2);
        const std::string_view line = head.substr(
            line_start + 2, next == std::string_view::npos ? head.npos : next - line_start - 2);
        if (startsWithNoCase(line, "content-length:")) {
            const auto value = trim(line.substr(15));
            std::from_chars(value.data(), value.data() + value.size(), content_length);
        } else if (startsWithNoCase(line, "connection:")) {
            const auto value = trim(line.substr(11));
            if (startsWithNoCase(value, "close")) keep_alive = false;
            if (startsWithNoCase(value, "keep-alive")) keep_alive = true;
        } else if (startsWithNoCase(line, "transfer-encoding:")) {
            reply.failure = "unsupported_transfer_encoding";
            close();
            return reply;
        }
        line_start = next;
    }
    const std::size_t body_start = header_end + 4;
    if (body_start + content_length > buffer_.size()) {
        reply.failure = "reply_too_large";
        close();
        return reply;
    }
    while (have < body_start + content_length) {
        const int n =
            socket_->receiveBytes(buffer_.data() + have, static_cast<int>(buffer_.size() - have));
        if (n <= 0) {
            reply.failure = "connection_closed";
            close();
            return reply;
        }
        have += static_cast<std::size_t>(n);
    }
    reply.status = status;
    reply.body = std::string_view(buffer_.data() + body_start, content_length);
    // The body view stays valid after close(): the buffer is owned by this object.
    if (!keep_alive) close();
    return reply;
}

}  // namespace claimgate::simulators
