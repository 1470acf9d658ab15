// File: fault_proxy.cpp
#include "faultproxy/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace claimgate::simulators {

namespace {

constexpr int kConnectionsMax = 512;
constexpr std::size_t kChunkBytes = 16 * 1024;
constexpr int kIdleTimeoutMilliseconds = 120'000;

void closeWithReset(int fd) {
    linger hard{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(fd);
}

bool sendAll(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent <= 0) {
            return false;
        }
        data += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

int connectTo(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
        return -1;
    }
    int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
    if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

}  // namespace

FaultProxy::FaultProxy(FaultProxyOptions options)
    : options_(std::move(options)), random_(options_.seed) {}

FaultProxy::Fault FaultProxy::nextFault() {
    std::lock_guard lock(random_mutex_);
    const double roll = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    const bool before = (random_() & 1U) == 0;
    if (roll < options_.drop_rate) {
        return before ? Fault::drop_before : Fault::drop_after;
    }
    if (roll < options_.drop_rate + options_.reset_rate) {
        return before ? Fault::reset_before : Fault::reset_after;
    }
    return Fault::none;
}

std::uint32_t FaultProxy::nextDelay() {
    if (options_.delay_ms_max == 0) {
        return 0;
    }
    std::lock_guard lock(random_mutex_);
    return std::uniform_int_distribution<std::uint32_t>(0, options_.delay_ms_max)(random_);
}

void FaultProxy::serve(int client_fd) {
    const int server_fd = connectTo(options_.target_host, options_.target_port);
    if (server_fd < 0) {
        closeWithReset(client_fd);
        --connections_;
        return;
    }
    Fault pending = Fault::none;  // armed by a request, fires when the answer arrives
    std::array<char, kChunkBytes> buffer{};
    bool reset = false;
    for (;;) {
        pollfd fds[2] = {{client_fd, POLLIN, 0}, {server_fd, POLLIN, 0}};
        const int ready = poll(fds, 2, kIdleTimeoutMilliseconds);
        if (ready <= 0) {
            break;
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            const ssize_t got = recv(client_fd, buffer.data(), buffer.size(), 0);
            if (got <= 0) {
                break;
            }
            const Fault fault = nextFault();
            if (fault == Fault::drop_before) {
                break;
            }
            if (fault == Fault::reset_before) {
                reset = true;
                break;
            }
            if (fault == Fault::drop_after || fault == Fault::reset_after) {
                pending = fault;
            }
            if (const auto delay = nextDelay(); delay > 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            }
            if (!sendAll(server_fd, buffer.data(), static_cast<std::size_t>(got))) {
                break;
            }
        }
        if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            const ssize_t got = recv(server_fd, buffer.data(), buffer.size(), 0);
            if (got <= 0) {
                break;
            }
            if (pending == Fault::drop_after) {
                break;
            }
            if (pending == Fault::reset_after) {
                reset = true;
                break;
            }
            if (const auto delay = nextDelay(); delay > 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            }
            if (!sendAll(client_fd, buffer.data(), static_cast<std::size_t>(got))) {
                break;
            }
        }
    }
    if (reset) {
        closeWithReset(client_fd);
        closeWithReset(server_fd);
    } else {
        close(client_fd);
        close(server_fd);
    }
    --connections_;
}

int FaultProxy::run(const std::atomic<bool>& stop) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) {
        std::perror("faultproxy: socket");
        return 1;
    }
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options_.listen_port);
    if (inet_pton(AF_INET, options_.listen_host.c_str(), &address.sin_addr) != 1) {
        std::fprintf(stderr, "faultproxy: --listen host must be an IPv4 address\n");
        return 2;
    }
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener, 128) != 0) {
        std::perror("faultproxy: bind/listen");
        return 1;
    }
    socklen_t length = sizeof address;
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    std::printf("listening on %s:%u\n", options_.listen_host.c_str(),
                static_cast<unsigned>(ntohs(address.sin_port)));
    std::fflush(stdout);
    while (!stop.load()) {
        pollfd fd{listener, POLLIN, 0};
        if (poll(&fd, 1, 200) <= 0) {
            continue;
        }
        const int client = accept(listener, nullptr, nullptr);
        if (client < 0) {
            continue;
        }
        if (connections_.load() >= kConnectionsMax) {
            closeWithReset(client);  // bounded: a flood of connections is refused, not queued
            continue;
        }
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ++connections_;
        std::thread([this, client] { serve(client); }).detach();
    }
    close(listener);
    return 0;
}

}  // namespace claimgate::simulators
