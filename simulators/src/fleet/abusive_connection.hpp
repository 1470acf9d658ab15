// File: abusive_connection.hpp
// A plain TCP connection to the gateway's TLS port from someone without a certificate: silent
// (connects, sends nothing) or dribbling (one byte of a TLS ClientHello every
// --dribble-interval). When the gateway drops it (its handshake deadline), the time it lived is
// counted and it connects again, so the pressure stays on for the whole run.
#pragma once

#include "fleet/fleet_shard.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <memory>

namespace claimgate::simulators {

enum class AbuseKind { silent, dribble };

class AbusiveConnection final : public FleetConnection,
                                public std::enable_shared_from_this<AbusiveConnection> {
public:
    AbusiveConnection(FleetShard& shard, AbuseKind kind);

    void start();
    void close() override;

private:
    void onConnect(const boost::system::error_code& error);
    void watch();
    void dribbleNext();
    void dropped();

    FleetShard& shard_;
    AbuseKind kind_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    FleetClock::time_point opened_at_{};
    std::size_t dribbled_ = 0;
    char scratch_[64] = {};
    bool open_ = false;
    bool closed_ = false;
};

}  // namespace claimgate::simulators
