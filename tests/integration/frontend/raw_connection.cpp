#include "raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace claimgate::testing {

RawConnection::RawConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd_);
        fd_ = -1;
        return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(other.fd_), closed_by_peer_(other.closed_by_peer_), pending_(std::move(other.pending_)) {
    other.fd_ = -1;
}

bool sendAll(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto wrote = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (wrote <= 0) return false;
        sent += static_cast<std::size_t>(wrote);
    }
    return true;
}

bool RawConnection::send(const std::string& bytes) { return sendAll(fd_, bytes); }

std::string RawConnection::readUntil(const std::string& marker, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string received = std::move(pending_);
    pending_.clear();
    while (!closed_by_peer_ && (marker.empty() || received.find(marker) == std::string::npos)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd poller{fd_, POLLIN, 0};
        if (::poll(&poller, 1, static_cast<int>(left.count())) <= 0) break;
        char buffer[4096];
        const auto got = ::recv(fd_, buffer, sizeof buffer, 0);
        if (got <= 0) {
            closed_by_peer_ = true;
            break;
        }
        received.append(buffer, static_cast<std::size_t>(got));
    }
    return received;
}

std::string RawConnection::readUntilClosed(std::chrono::milliseconds timeout) {
    return readUntil("", timeout);
}

bool RawConnection::waitClosed(std::chrono::milliseconds timeout) {
    (void)readUntilClosed(timeout);
    return closed_by_peer_;
}

void raiseFileLimit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace claimgate::testing
