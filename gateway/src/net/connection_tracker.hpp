// File: connection_tracker.hpp
// The node-wide and per-peer connection budget of a listener (limits.hpp): admits or refuses a
// new connection, and near the cap names the longest-idle keep-alive connections to close so a
// new terminal is not turned away while old ones sit idle. Thread-safe; O(1) per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace claimgate::gateway::net {

/// A connection the tracker may ask to close. reap() is called from any thread; the connection
/// closes itself on its own thread if it is still idle by then.
class ReapableConnection {
public:
    virtual ~ReapableConnection() = default;
    virtual void reap() = 0;
};

struct ConnectionBudget {
    std::size_t max_connections = 0;
    std::size_t max_per_peer = 0;
    std::size_t reap_watermark = 0;  // open connections from which idle ones are reaped
};

class ConnectionTracker {
public:
    using Id = std::uint64_t;
    enum class Admission { admitted, node_full, peer_full };

    explicit ConnectionTracker(ConnectionBudget budget);

    /// Counts a new connection from `peer` unless a limit is reached. When the node is at or
    /// above the watermark, `to_reap` receives the longest-idle connection (admitted or not).
    Admission admit(const std::string& peer, std::weak_ptr<ReapableConnection> connection, Id& id,
                    std::vector<std::shared_ptr<ReapableConnection>>& to_reap);
    /// The connection is gone (every admitted id is released exactly once).
    void release(Id id);
    /// Waiting for its next request (a reaping candidate) / busy with one.
    void markIdle(Id id);
    void markBusy(Id id);

    [[nodiscard]] std::size_t open() const;
    [[nodiscard]] const ConnectionBudget& budget() const { return budget_; }

private:
    struct Entry {
        std::string peer;
        std::weak_ptr<ReapableConnection> connection;
        bool idle = false;
        std::list<Id>::iterator idle_position;
    };
    void collectReapable(std::vector<std::shared_ptr<ReapableConnection>>& to_reap);

    const ConnectionBudget budget_;
    mutable std::mutex mutex_;
    Id next_id_ = 1;
    std::unordered_map<Id, Entry> entries_;
    std::unordered_map<std::string, std::size_t> per_peer_;
    std::list<Id> idle_order_;  // front = idle longest
};

}  // namespace claimgate::gateway::net
