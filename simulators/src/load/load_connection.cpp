#include "load/load_connection.hpp"

#include "load/http_reply_parser.hpp"
#include "load/load_limits.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <charconv>

namespace claimgate::simulators {
namespace {

using boost::asio::redirect_error;
using boost::asio::use_awaitable;

}  // namespace

protocols::Result<boost::asio::ip::tcp::endpoint> loadEndpointAddress(const GatewayUrl& url) {
    boost::system::error_code error;
    const auto address = boost::asio::ip::make_address(
        url.host == "localhost" ? std::string("127.0.0.1") : url.host, error);
    if (error) {
        return protocols::Status(protocols::ErrorCode::bad_field,
                                 "--gateway host '" + url.host + "' is not an IP address");
    }
    return boost::asio::ip::tcp::endpoint(address, url.port);
}

LoadConnection::LoadConnection(boost::asio::io_context& io, const LoadEndpoint& endpoint)
    : io_(io), endpoint_(endpoint) {
    request_.reserve(1024);
    buffer_.resize(kLoadResponseBytesMax);
}

LoadConnection::~LoadConnection() { close(); }

void LoadConnection::close() noexcept {
    boost::system::error_code ignored;
    if (tls_) tls_->next_layer().close(ignored);
    if (plain_) plain_->close(ignored);
    connected_ = false;
}

void LoadConnection::closeIfStalled(LoadClock::time_point now) noexcept {
    if (!busy_since_ || now - *busy_since_ < std::chrono::seconds(kLoadIoTimeoutSeconds)) return;
    timed_out_ = true;
    close();  // the pending operation completes with operation_aborted
}

const char* LoadConnection::transportFailure(const boost::system::error_code& error) const {
    namespace error_ns = boost::asio::error;
    if (timed_out_) return "timeout";
    if (error == error_ns::connection_reset) return "connection_reset";
    if (error == error_ns::eof || error == boost::asio::ssl::error::stream_truncated ||
        error == error_ns::broken_pipe) {
        return "connection_closed";
    }
    if (error.category() == error_ns::get_ssl_category()) return "tls_error";
    return "io_error";
}

boost::asio::awaitable<const char*> LoadConnection::connect() {
    busy_since_ = LoadClock::now();
    timed_out_ = false;
    boost::system::error_code error;
    const char* failure = nullptr;
    if (endpoint_.tls != nullptr) {
        tls_.reset();
        tls_.emplace(io_, *endpoint_.tls);
        // The server certificate must name the host the URL names (SAN 127.0.0.1 / localhost).
        tls_->set_verify_callback(boost::asio::ssl::host_name_verification(endpoint_.host));
        co_await tls_->next_layer().async_connect(endpoint_.address,
                                                  redirect_error(use_awaitable, error));
        if (!error) {
            tls_->next_layer().set_option(boost::asio::ip::tcp::no_delay(true), error);
            co_await tls_->async_handshake(TlsStream::client, redirect_error(use_awaitable, error));
            if (error) failure = "tls_handshake_failed";
        } else {
            failure = "connect_failed";
        }
    } else {
        plain_.reset();
        plain_.emplace(io_);
        co_await plain_->async_connect(endpoint_.address, redirect_error(use_awaitable, error));
        if (!error) plain_->set_option(boost::asio::ip::tcp::no_delay(true), error);
        if (error) failure = "connect_failed";
    }
    busy_since_.reset();
    if (failure != nullptr && timed_out_) failure = "timeout";
    if (failure != nullptr) {
        ++connect_failures_;
        close();
        co_return failure;
    }
    connected_ = true;
    ++connects_;
    connect_failures_ = 0;
    co_return nullptr;
}

boost::asio::awaitable<bool> LoadConnection::open() {
    if (connected_) co_return true;
    co_return co_await connect() == nullptr;
}

void LoadConnection::buildRequest(std::string_view method, std::string_view path,
                                  std::string_view body, std::string_view idempotency_key) {
    request_.clear();
    request_.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ");
    request_.append(endpoint_.host_header).append("\r\n");
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
}

boost::asio::awaitable<HttpReply> LoadConnection::request(std::string_view method,
                                                          std::string_view path,
                                                          std::string_view body,
                                                          std::string_view idempotency_key) {
    if (!connected_) {
        if (const char* failure = co_await connect(); failure != nullptr) {
            co_return HttpReply{0, {}, failure};
        }
    }
    buildRequest(method, path, body, idempotency_key);
    if (tls_) co_return co_await exchange(*tls_);
    co_return co_await exchange(*plain_);
}

template <class Stream>
boost::asio::awaitable<HttpReply> LoadConnection::exchange(Stream& stream) {
    HttpReply reply;
    busy_since_ = LoadClock::now();
    timed_out_ = false;
    boost::system::error_code error;
    co_await boost::asio::async_write(stream, boost::asio::buffer(request_),
                                      redirect_error(use_awaitable, error));
    std::size_t have = 0;
    ParsedHttpReply parsed;
    while (!error) {
        parsed = parseHttpReply(std::string_view(buffer_.data(), have), buffer_.size());
        if (parsed.state != ParsedHttpReply::State::incomplete) break;
        have += co_await stream.async_read_some(
            boost::asio::buffer(buffer_.data() + have, buffer_.size() - have),
            redirect_error(use_awaitable, error));
    }
    busy_since_.reset();
    if (error || parsed.state != ParsedHttpReply::State::complete) {
        reply.failure = error ? transportFailure(error) : failureOf(parsed.state);
        close();
        co_return reply;
    }
    reply.status = parsed.status;
    // The body view stays valid after close(): the buffer is owned by this object.
    reply.body = parsed.body;
    if (!parsed.keep_alive) close();
    co_return reply;
}

}  // namespace claimgate::simulators
