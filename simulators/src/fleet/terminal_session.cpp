#include "fleet/terminal_session.hpp"

#include "fleet/fleet_limits.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>

namespace claimgate::simulators {
namespace {

std::uint64_t microsSince(FleetClock::time_point due) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::microseconds>(FleetClock::now() - due).count()));
}

/// A transport failure as an error code of the report.
const char* transportCode(const boost::system::error_code& error) {
    namespace error_ns = boost::asio::error;
    if (error == error_ns::connection_refused) return "connection_refused";
    if (error == error_ns::connection_reset) return "connection_reset";
    if (error == error_ns::broken_pipe) return "broken_pipe";
    if (error == error_ns::eof || error == boost::asio::ssl::error::stream_truncated) {
        return "closed_by_gateway";
    }
    if (error == error_ns::timed_out) return "timed_out";
    if (error.category() == boost::asio::error::get_ssl_category()) return "tls_error";
    return "io_error";
}

}  // namespace

TerminalSession::TerminalSession(FleetShard& shard, TerminalRole role, FleetClock::time_point due,
                                 ProbePhase phase)
    : shard_(shard),
      role_(role),
      phase_(phase),
      stream_(shard.io(), *shard.plan().tls),
      timer_(shard.io()),
      due_(due) {
    reply_.body().reserve(256);
}

void TerminalSession::start() {
    stream_.next_layer().async_connect(
        shard_.plan().endpoint,
        [self = shared_from_this()](const boost::system::error_code& error) {
            self->onConnect(error);
        });
}

void TerminalSession::onConnect(const boost::system::error_code& error) {
    if (ignoring()) return;
    if (error) return openFailed(transportCode(error));
    boost::system::error_code ignored;
    stream_.next_layer().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    stream_.async_handshake(
        Stream::client,
        [self = shared_from_this()](const boost::system::error_code& e) { self->onHandshake(e); });
}

void TerminalSession::onHandshake(const boost::system::error_code& error) {
    if (ignoring()) return;
    if (error)
        return openFailed(error == boost::asio::error::eof ? "handshake_closed"
                                                           : "handshake_failed");
    sendCheck(due_);
}

void TerminalSession::sendCheck(FleetClock::time_point due) {
    due_ = due;
    in_flight_ = true;
    shard_.buildCheckRequest(request_);
    boost::asio::async_write(stream_, boost::asio::buffer(request_),
                             [self = shared_from_this()](const boost::system::error_code& e,
                                                         std::size_t) { self->onWritten(e); });
}

void TerminalSession::onWritten(const boost::system::error_code& error) {
    if (ignoring()) return;
    if (error) return established_ ? lost(transportCode(error)) : openFailed(transportCode(error));
    reply_ = {};
    boost::beast::http::async_read(stream_, buffer_, reply_,
                                   [self = shared_from_this()](const boost::system::error_code& e,
                                                               std::size_t) { self->onReply(e); });
}

void TerminalSession::onReply(const boost::system::error_code& error) {
    if (ignoring()) return;
    if (error) return established_ ? lost(transportCode(error)) : openFailed(transportCode(error));
    in_flight_ = false;
    ShardStats& stats = shard_.stats();
    const int status = static_cast<int>(reply_.result_int());
    if (!established_) {
        // The warm-up check: the connection counts as open once the gateway has answered it.
        if (status != 200) {
            stats.errors.addReply(status, reply_.body());
            return openFailed("warm_up_refused");
        }
        established_ = true;
        ++stats.established[static_cast<std::size_t>(role_)];
        if (role_ == TerminalRole::probe) {
            stats.probe_latency[static_cast<std::size_t>(phase_)].record(microsSince(due_));
            finished_ = true;
            close();
            return;
        }
        shard_.terminalSettled(role_);
        if (role_ == TerminalRole::idle || !schedule_) watchIdle();
        return;
    }
    // An active check on the schedule.
    stats.active_latency.record(microsSince(due_));
    if (status == 200) {
        ++stats.checks_ok;
    } else {
        ++stats.checks_failed;
        stats.errors.addReply(status, reply_.body());
    }
    if (!reply_.keep_alive()) return lost("closed_by_gateway");
    schedule_->advance();
    waitForDue();
}

void TerminalSession::watchIdle() {
    // No request in flight: a completed read means the gateway closed or reset the connection
    // (TLS 1.3 session tickets are consumed inside OpenSSL and complete nothing).
    stream_.async_read_some(
        boost::asio::buffer(&watch_byte_, 1),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
            if (self->ignoring() || self->schedule_) return;
            if (!error) {
                self->shard_.stats().errors.add("unexpected_bytes_while_idle");
                self->watchIdle();
                return;
            }
            self->lost(transportCode(error));
        });
}

void TerminalSession::runSchedule(OpenLoopSchedule schedule, FleetClock::time_point deadline) {
    if (ignoring() || !established_) {
        shard_.noteActiveFinished();
        finished_ = true;
        return;
    }
    schedule_ = schedule;
    deadline_ = deadline;
    // Cancels the idle watch (its completion sees schedule_ set and stays quiet); requests and
    // replies then keep the connection read.
    boost::system::error_code ignored;
    stream_.next_layer().cancel(ignored);
    waitForDue();
}

void TerminalSession::waitForDue() {
    const FleetClock::time_point due = schedule_->due();
    const FleetClock::time_point now = FleetClock::now();
    if (due >= deadline_) return finishSchedule();
    if (now >= deadline_) {
        // Behind schedule at the deadline: what was still due is counted, not sent, so a slow
        // gateway cannot stretch the run.
        shard_.stats().unsent += schedule_->owedBefore(deadline_);
        return finishSchedule();
    }
    if (due <= now) return sendCheck(due);
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this(), due](const boost::system::error_code& error) {
        if (error || self->ignoring()) return;
        self->sendCheck(due);
    });
}

void TerminalSession::finishSchedule() {
    if (finished_) return;
    finished_ = true;
    shard_.noteActiveFinished();
}

void TerminalSession::openFailed(const char* code) {
    ShardStats& stats = shard_.stats();
    stats.errors.add(code);
    ++stats.open_failed[static_cast<std::size_t>(role_)];
    if (role_ == TerminalRole::probe) {
        ++stats.probes_failed[static_cast<std::size_t>(phase_)];
        finished_ = true;
    } else {
        shard_.terminalSettled(role_);
    }
    close();
}

void TerminalSession::lost(const char* code) {
    ShardStats& stats = shard_.stats();
    stats.errors.add(code);
    ++stats.lost[static_cast<std::size_t>(role_)];
    if (in_flight_) ++stats.checks_failed;
    if (schedule_) finishSchedule();
    close();
}

void TerminalSession::close() {
    if (closed_) return;
    if (role_ == TerminalRole::probe && !finished_) {
        ++shard_.stats().probes_unfinished[static_cast<std::size_t>(phase_)];
    }
    closed_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.next_layer().close(ignored);
}

}  // namespace claimgate::simulators
