#include "net/connection_tracker.hpp"

#include <cassert>

namespace claimgate::gateway::net {

ConnectionTracker::ConnectionTracker(ConnectionBudget budget) : budget_(budget) {
    assert(budget_.max_connections > 0 && budget_.max_per_peer > 0);
    assert(budget_.reap_watermark <= budget_.max_connections);
}

void ConnectionTracker::collectReapable(std::vector<std::shared_ptr<ReapableConnection>>& to_reap) {
    // One candidate per admission keeps the node just under the watermark in steady state
    // without a burst of closes; a candidate leaves the idle list so it is named only once.
    while (!idle_order_.empty()) {
        const Id victim = idle_order_.front();
        idle_order_.pop_front();
        auto found = entries_.find(victim);
        assert(found != entries_.end());
        found->second.idle = false;
        if (auto connection = found->second.connection.lock()) {
            to_reap.push_back(std::move(connection));
            return;
        }
    }
}

ConnectionTracker::Admission ConnectionTracker::admit(
    const std::string& peer, std::weak_ptr<ReapableConnection> connection, Id& id,
    std::vector<std::shared_ptr<ReapableConnection>>& to_reap) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= budget_.reap_watermark) collectReapable(to_reap);
    if (entries_.size() >= budget_.max_connections) return Admission::node_full;
    std::size_t& from_peer = per_peer_[peer];
    if (from_peer >= budget_.max_per_peer) return Admission::peer_full;
    ++from_peer;
    id = next_id_++;
    entries_.emplace(id, Entry{peer, std::move(connection), false, idle_order_.end()});
    return Admission::admitted;
}

void ConnectionTracker::release(Id id) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(id);
    assert(found != entries_.end());
    if (found->second.idle) idle_order_.erase(found->second.idle_position);
    const auto peer = per_peer_.find(found->second.peer);
    if (peer == per_peer_.end()) {
        assert(false && "every admitted connection counts against its peer");
    } else if (peer->second <= 1) {
        per_peer_.erase(peer);
    } else {
        peer->second -= 1;
    }
    entries_.erase(found);
}

void ConnectionTracker::markIdle(Id id) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(id);
    assert(found != entries_.end());
    if (found->second.idle) return;
    found->second.idle = true;
    found->second.idle_position = idle_order_.insert(idle_order_.end(), id);
}

void ConnectionTracker::markBusy(Id id) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(id);
    assert(found != entries_.end());
    if (!found->second.idle) return;
    found->second.idle = false;
    idle_order_.erase(found->second.idle_position);
}

std::size_t ConnectionTracker::open() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace claimgate::gateway::net
