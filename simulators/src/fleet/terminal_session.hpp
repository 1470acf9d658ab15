// File: terminal_session.hpp
// One mutual-TLS terminal connection of `claimgate-sim fleet`: connect, handshake and one
// eligibility check (the gateway wants a request head within its head deadline of the accept),
// then by role: idle (held open, watched for a close or reset by the gateway), active (checks on
// an open-loop schedule until the deadline) or probe (closed after the first reply, its latency
// counted from its due time). Lives on one shard's thread; failures are counted, never thrown.
#pragma once

#include "fleet/fleet_shard.hpp"
#include "fleet/open_loop_schedule.hpp"

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>
#include <string>

namespace claimgate::simulators {

class TerminalSession final : public FleetConnection,
                              public std::enable_shared_from_this<TerminalSession> {
public:
    /// `due` is when the run wanted this connection: a probe's latency counts from it.
    TerminalSession(FleetShard& shard, TerminalRole role, FleetClock::time_point due,
                    ProbePhase phase = ProbePhase::baseline);

    void start();
    /// Active role, once established: checks on `schedule` until `deadline`.
    void runSchedule(OpenLoopSchedule schedule, FleetClock::time_point deadline);
    void close() override;

private:
    using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
    using Reply = boost::beast::http::response<boost::beast::http::string_body>;

    void onConnect(const boost::system::error_code& error);
    void onHandshake(const boost::system::error_code& error);
    void sendCheck(FleetClock::time_point due);
    void onWritten(const boost::system::error_code& error);
    void onReply(const boost::system::error_code& error);
    void watchIdle();
    void waitForDue();
    void openFailed(const char* code);
    void lost(const char* code);
    void finishSchedule();
    [[nodiscard]] bool ignoring() const noexcept { return closed_ || shard_.stopping(); }

    FleetShard& shard_;
    TerminalRole role_;
    ProbePhase phase_;
    Stream stream_;
    boost::asio::steady_timer timer_;
    boost::beast::flat_buffer buffer_{kReadBufferBytes};
    Reply reply_;
    std::string request_;
    FleetClock::time_point due_;
    std::optional<OpenLoopSchedule> schedule_;
    FleetClock::time_point deadline_{};
    bool established_ = false;
    bool in_flight_ = false;
    bool finished_ = false;
    bool closed_ = false;
    char watch_byte_ = 0;

    static constexpr std::size_t kReadBufferBytes = 4096;
};

}  // namespace claimgate::simulators
