#include "net/http_listener.hpp"

#include "net/http_connection.hpp"

#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/log.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>
#include <vector>

namespace claimgate::gateway::net {
namespace {

using boost::asio::ip::tcp;
using protocols::ErrorCode;
using protocols::Status;

/// After running out of file descriptors, wait this long before accepting again instead of
/// spinning on EMFILE.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

}  // namespace

protocols::Result<tcp::endpoint> parseEndpoint(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
        return Status(ErrorCode::bad_field, "address must be host:port: " + address);
    }
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host == "localhost") host = "127.0.0.1";
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(address.substr(colon + 1), &used);
        if (used != address.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
    } catch (const std::exception&) {
        return Status(ErrorCode::bad_field, "bad port in " + address);
    }
    boost::system::error_code error;
    const auto ip = boost::asio::ip::make_address(host, error);
    if (error) return Status(ErrorCode::bad_field, "not a numeric IP address: " + host);
    return tcp::endpoint(ip, static_cast<std::uint16_t>(port));
}

HttpListener::HttpListener(IoThreadPool& pool, std::shared_ptr<ConnectionContext> context,
                           TlsContextSource tls)
    : pool_(pool),
      context_(std::move(context)),
      tls_(std::move(tls)),
      acceptor_(pool.primary()),
      retry_timer_(pool.primary()) {}

HttpListener::~HttpListener() = default;

protocols::Result<std::unique_ptr<HttpListener>> HttpListener::open(
    IoThreadPool& pool, const ListenerSettings& settings, RequestHandler& handler, Metrics& metrics,
    TlsContextSource tls) {
    auto endpoint = parseEndpoint(settings.address);
    if (!endpoint) return endpoint.status();
    auto context =
        std::make_shared<ConnectionContext>(handler, settings.budget, metrics, settings.listener,
                                            settings.head_deadline, settings.idle_timeout);
    std::unique_ptr<HttpListener> listener(
        new HttpListener(pool, std::move(context), std::move(tls)));
    boost::system::error_code error;
    auto& acceptor = listener->acceptor_;
    acceptor.open(endpoint->protocol(), error);
    if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint.value(), error);
    if (!error) acceptor.listen(gateway::kAcceptBacklog, error);
    if (error) {
        return Status(ErrorCode::internal,
                      "cannot listen on " + settings.address + ": " + error.message());
    }
    listener->port_ = acceptor.local_endpoint().port();
    boost::asio::post(acceptor.get_executor(), [raw = listener.get()] { raw->accept(); });
    return listener;
}

std::size_t HttpListener::openConnections() const { return context_->tracker.open(); }

void HttpListener::accept() {
    acceptor_.async_accept(pool_.next(),
                           [this](boost::system::error_code error, IoSocket socket) {
                               onAccept(error, std::move(socket));
                           });
}

void HttpListener::onAccept(boost::system::error_code error, IoSocket socket) {
    if (error == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (error) {
        // EMFILE / ENFILE / ENOBUFS: the kernel keeps the connection queued; try again soon.
        log::error("net", "accept failed", {{"error", error.message()}});
        retry_timer_.expires_after(kAcceptRetryDelay);
        retry_timer_.async_wait([this](boost::system::error_code wait_error) {
            if (!wait_error) accept();
        });
        return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string peer = socket.remote_endpoint(ignored).address().to_string();
    auto executor = socket.get_executor();
    std::shared_ptr<ReapableConnection> connection;
    std::function<void(ConnectionTracker::Id)> start;
    if (tls_) {
        auto tls_context = tls_();
        auto made = std::make_shared<HttpConnection<TlsStream>>(
            TlsStream(std::move(socket), tls_context->native_handle()), context_, peer);
        start = [made](ConnectionTracker::Id id) { made->start(id); };
        connection = std::move(made);
    } else {
        auto made = std::make_shared<HttpConnection<PlainStream>>(PlainStream(std::move(socket)),
                                                                  context_, peer);
        start = [made](ConnectionTracker::Id id) { made->start(id); };
        connection = std::move(made);
    }
    ConnectionTracker::Id id = 0;
    std::vector<std::shared_ptr<ReapableConnection>> to_reap;
    const auto admission = context_->tracker.admit(peer, connection, id, to_reap);
    for (auto& idle : to_reap) idle->reap();
    if (admission == ConnectionTracker::Admission::admitted) {
        boost::asio::post(executor, [start = std::move(start), id] { start(id); });
    } else {
        // Refused cleanly: closed before any TLS work (the destructor closes the socket).
        context_->metrics.connectionRefused(context_->listener,
                                            admission == ConnectionTracker::Admission::node_full
                                                ? ConnectionRefusal::node_cap
                                                : ConnectionRefusal::peer_cap);
    }
    accept();
}

}  // namespace claimgate::gateway::net
