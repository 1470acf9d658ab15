// File: fault_proxy.hpp
// A TCP proxy that misbehaves on purpose, to test the SDK's store-and-forward under a bad link:
// per client->server chunk (roughly: per request, TLS handshake flights included) it may drop
// the connection (FIN, silently) or reset it (RST), each either before forwarding the request
// or when the answer comes back (the gateway acted, the terminal never hears); every chunk may
// be delayed. All choices come from one seeded generator.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace claimgate::simulators {

struct FaultProxyOptions {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;
    std::string target_host = "127.0.0.1";
    std::uint16_t target_port = 0;
    double drop_rate = 0.0;
    double reset_rate = 0.0;
    std::uint32_t delay_ms_max = 0;
    std::uint64_t seed = 0;
};

class FaultProxy {
public:
    explicit FaultProxy(FaultProxyOptions options);
    /// Binds, prints "listening on HOST:PORT", serves until `stop` is set.
    int run(const std::atomic<bool>& stop);

private:
    enum class Fault { none, drop_before, drop_after, reset_before, reset_after };
    void serve(int client_fd);
    Fault nextFault();
    std::uint32_t nextDelay();

    FaultProxyOptions options_;
    std::mutex random_mutex_;
    std::mt19937_64 random_;
    std::atomic<int> connections_{0};
};

}  // namespace claimgate::simulators
