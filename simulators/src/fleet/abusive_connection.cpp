#include "fleet/abusive_connection.hpp"

#include <boost/asio/write.hpp>

#include <array>

namespace claimgate::simulators {
namespace {

/// The start of a TLS 1.2+ ClientHello: record header (handshake, 512 bytes), handshake header
/// (ClientHello), client version. A dribbler never gets further than a few bytes of it.
constexpr std::array<unsigned char, 11> kClientHelloPrefix = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01,
                                                              0x00, 0x01, 0xfc, 0x03, 0x03};

}  // namespace

AbusiveConnection::AbusiveConnection(FleetShard& shard, AbuseKind kind)
    : shard_(shard), kind_(kind), socket_(shard.io()), timer_(shard.io()) {}

void AbusiveConnection::start() {
    dribbled_ = 0;
    socket_.async_connect(shard_.plan().endpoint,
                          [self = shared_from_this()](const boost::system::error_code& error) {
                              self->onConnect(error);
                          });
}

void AbusiveConnection::onConnect(const boost::system::error_code& error) {
    if (closed_ || shard_.stopping()) return;
    ShardStats& stats = shard_.stats();
    if (error) {
        ++stats.abusive_connect_failed;
        stats.errors.add("abusive_connect_failed");
        boost::system::error_code ignored;
        socket_.close(ignored);
        return;  // not retried: a refused connect means the gateway is at its cap or gone
    }
    ++stats.abusive_opened;
    open_ = true;
    opened_at_ = FleetClock::now();
    shard_.abusiveOpened();
    watch();
    if (kind_ == AbuseKind::dribble) dribbleNext();
}

void AbusiveConnection::watch() {
    socket_.async_read_some(
        boost::asio::buffer(scratch_),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
            if (self->closed_ || self->shard_.stopping()) return;
            if (!error) return self->watch();  // e.g. a TLS alert before the close
            self->dropped();
        });
}

void AbusiveConnection::dribbleNext() {
    const auto interval = std::chrono::duration_cast<FleetClock::duration>(
        std::chrono::duration<double>(shard_.plan().options->dribble_interval_s));
    timer_.expires_after(interval);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (error || self->closed_ || self->shard_.stopping() || !self->open_) return;
        const unsigned char* byte =
            &kClientHelloPrefix[self->dribbled_ % kClientHelloPrefix.size()];
        ++self->dribbled_;
        boost::asio::async_write(self->socket_, boost::asio::buffer(byte, 1),
                                 [self](const boost::system::error_code& write_error, std::size_t) {
                                     if (write_error || self->closed_ || self->shard_.stopping())
                                         return;
                                     self->dribbleNext();
                                 });
    });
}

void AbusiveConnection::dropped() {
    ShardStats& stats = shard_.stats();
    ++stats.abusive_dropped;
    const auto lived = FleetClock::now() - opened_at_;
    stats.abusive_lifetime.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(lived).count()));
    open_ = false;
    shard_.abusiveClosed();
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    start();  // keep the pressure on
}

void AbusiveConnection::close() {
    if (closed_) return;
    closed_ = true;
    if (open_) shard_.abusiveClosed();
    open_ = false;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
}

}  // namespace claimgate::simulators
