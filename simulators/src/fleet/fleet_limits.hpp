// File: fleet_limits.hpp
// Named bounds of `claimgate-sim fleet` (contracts invariant 7 applies to test tools too: a typo
// in a flag must not turn a benchmark into a runaway process).
#pragma once

#include <cstddef>
#include <cstdint>

namespace claimgate::simulators {

/// Idle mTLS connections held open (the fleet is 20,000 per node). Each costs the client
/// a socket and ~10 KiB of TLS state (buffers are released while idle).
inline constexpr int kFleetIdleMax = 20'000;
/// Active connections sending checks open-loop.
inline constexpr int kFleetActiveMax = 4096;
/// Silent and dribbling plain-TCP connections, each.
inline constexpr int kFleetAbusiveMax = 10'000;
/// I/O threads of the client; every connection lives on one of them.
inline constexpr int kFleetIoThreadsMax = 16;
/// Connect + handshake attempts in flight per I/O thread while the idle fleet is opened: a
/// bounded ramp, so the fleet measures the gateway's steady state, not its accept backlog.
inline constexpr int kFleetOpenConcurrencyMax = 4096;
inline constexpr int kFleetDurationSecondsMax = 3600;
/// Open-loop rate of the active set, and of the probes, requests per second.
inline constexpr double kFleetRateMax = 1'000'000.0;
/// One reply (headers + body); the gateway's eligibility reply is under 1 KiB.
inline constexpr std::size_t kFleetResponseBytesMax = 64 * 1024;
/// Opening the idle fleet must finish within this, or the run stops and says so.
inline constexpr int kFleetOpenSecondsMax = 600;
/// A probe (connect, handshake, one check) that has not finished by then counts as timed out.
inline constexpr int kFleetProbeTimeoutSeconds = 30;

}  // namespace claimgate::simulators
