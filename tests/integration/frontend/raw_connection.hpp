// File: raw_connection.hpp
// A bare TCP connection to 127.0.0.1 for front-end tests: what a silent, dribbling or
// misbehaving peer does (no TLS, no HTTP library smoothing anything over).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace claimgate::testing {

class RawConnection {
public:
    /// Connects (blocking); check connected().
    explicit RawConnection(std::uint16_t port);
    ~RawConnection();
    RawConnection(RawConnection&& other) noexcept;
    RawConnection& operator=(RawConnection&&) = delete;
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    [[nodiscard]] bool connected() const { return fd_ >= 0; }
    /// Writes all of `bytes`; false on error (e.g. the peer closed).
    bool send(const std::string& bytes);
    /// Reads until the peer closes or `timeout` passes; returns what arrived.
    std::string readUntilClosed(std::chrono::milliseconds timeout);
    /// Reads until `marker` arrived (or close / timeout).
    std::string readUntil(const std::string& marker, std::chrono::milliseconds timeout);
    /// True once the peer has closed (EOF or reset), waiting at most `timeout`.
    bool waitClosed(std::chrono::milliseconds timeout);
    [[nodiscard]] bool closedByPeer() const { return closed_by_peer_; }

private:
    int fd_ = -1;
    bool closed_by_peer_ = false;
    std::string pending_;
};

/// Writes all of `bytes` to the socket `fd`; false on error (e.g. the peer closed).
bool sendAll(int fd, const std::string& bytes);

/// Raises this process's soft RLIMIT_NOFILE to the hard limit (tests open 1,000+ sockets).
void raiseFileLimit();

}  // namespace claimgate::testing
