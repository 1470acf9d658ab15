#include "fleet/fleet_shard.hpp"

#include "fleet/abusive_connection.hpp"
#include "fleet/terminal_session.hpp"

#include <boost/asio/post.hpp>

#include <cassert>
#include <chrono>

namespace claimgate::simulators {

FleetShard::FleetShard(const FleetPlan& plan, int index)
    : plan_(plan), rng_(plan.options->seed ^ (0x9E3779B97F4A7C15ULL * (std::uint64_t(index) + 1))) {
    body_.reserve(256);
}

FleetShard::~FleetShard() { stop(); }

void FleetShard::startThread() {
    work_ =
        std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
}

void FleetShard::stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
        stopping_ = true;
        probe_timer_.cancel();
        for (auto& connection : connections_) connection->close();
    });
    work_.reset();
    // Every operation was cancelled by the closes; give their completions a moment, then stop.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    io_.stop();
    thread_.join();
}

void FleetShard::openTerminals(TerminalRole role, int count) {
    boost::asio::post(io_, [this, role, count] {
        const auto r = static_cast<std::size_t>(role);
        to_launch_[r] += count;
        const int first = std::min(plan_.options->open_concurrency, count);
        for (int i = 0; i < first; ++i) launchTerminal(role);
    });
}

void FleetShard::launchTerminal(TerminalRole role) {
    const auto r = static_cast<std::size_t>(role);
    if (to_launch_[r] == 0 || stopping_) return;
    --to_launch_[r];
    auto session = std::make_shared<TerminalSession>(*this, role, FleetClock::now());
    connections_.push_back(session);
    if (role == TerminalRole::active) active_.push_back(session);
    session->start();
}

void FleetShard::terminalSettled(TerminalRole role) {
    settled_[static_cast<std::size_t>(role)].fetch_add(1, std::memory_order_acq_rel);
    launchTerminal(role);  // keeps --open-concurrency attempts in flight
}

void FleetShard::startActive(FleetClock::time_point start, FleetClock::time_point deadline,
                             int first_index, int active_total) {
    boost::asio::post(io_, [this, start, deadline, first_index, active_total] {
        const double rate = plan_.options->rate;
        int index = first_index;
        for (auto& session : active_) {
            session->runSchedule(OpenLoopSchedule(start, rate, index++, active_total), deadline);
        }
    });
}

void FleetShard::startProbes(ProbePhase phase, FleetClock::time_point start,
                             FleetClock::time_point deadline) {
    boost::asio::post(io_, [this, phase, start, deadline] {
        scheduleProbe(phase, OpenLoopSchedule(start, plan_.options->probe_rate, 0, 1), deadline);
    });
}

void FleetShard::scheduleProbe(ProbePhase phase, OpenLoopSchedule schedule,
                               FleetClock::time_point deadline) {
    const FleetClock::time_point due = schedule.due();
    if (due >= deadline || stopping_) return;
    probe_timer_.expires_at(due);
    probe_timer_.async_wait(
        [this, phase, schedule, deadline, due](const boost::system::error_code& error) mutable {
            if (error || stopping_) return;
            auto probe = std::make_shared<TerminalSession>(*this, TerminalRole::probe, due, phase);
            connections_.push_back(probe);
            probe->start();
            schedule.advance();
            scheduleProbe(phase, schedule, deadline);
        });
}

void FleetShard::openAbusive(int silent, int dribble) {
    boost::asio::post(io_, [this, silent, dribble] {
        for (int i = 0; i < silent + dribble; ++i) {
            auto connection = std::make_shared<AbusiveConnection>(
                *this, i < silent ? AbuseKind::silent : AbuseKind::dribble);
            connections_.push_back(connection);
            connection->start();
        }
    });
}

void FleetShard::buildCheckRequest(std::string& out) {
    const LoadRoster& roster = *plan_.roster;
    assert(roster.size() > 0);
    const LoadCitizen& citizen = roster.at(static_cast<std::size_t>(rng_() % roster.size()));
    body_.clear();
    body_.append(R"({"program":")").append(plan_.options->program);
    body_.append(R"(","citizen_id":")").append(citizen.id());
    body_.append(R"(","channel":")").append(plan_.options->channel).append("\"");
    if (!citizen.nhi().empty())
        body_.append(R"(,"nhi_card_no":")").append(citizen.nhi()).append("\"");
    body_.append("}");
    out.clear();
    out.append("POST /v1/eligibility HTTP/1.1\r\nHost: ").append(plan_.host_header);
    out.append("\r\nContent-Type: application/json\r\nContent-Length: ");
    out.append(std::to_string(body_.size())).append("\r\n\r\n").append(body_);
}

}  // namespace claimgate::simulators
