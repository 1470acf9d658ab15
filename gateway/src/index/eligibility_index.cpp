#include <claimgate/gateway/eligibility_index.hpp>

#include <claimgate/gateway/limits.hpp>

namespace claimgate::gateway {

void EligibilityIndex::startRecording() {
    std::lock_guard lock(replay_mutex_);
    replay_.clear();
    replay_overflowed_ = false;
    recording_.store(true);
}

std::int64_t EligibilityIndex::load(LedgerStore& store) {
    startRecording();
    try {
        const std::int64_t version = store.latestRosterVersion();
        Programs loaded;
        for (auto& program : store.loadPrograms()) {
            const auto rows = static_cast<std::size_t>(store.countRosterRows(program.id));
            auto index = std::make_shared<ProgramIndex>(program, rows);
            store.forEachRosterRow(program.id, [&](const RosterRow& row) {
                if (!index->insert(row)) throw LedgerStoreError("roster larger than counted");
            });
            loaded.emplace(program.id, std::move(index));
        }
        swapIn(std::move(loaded), store);
        return version;
    } catch (...) {
        recording_.store(false);
        throw;
    }
}

void EligibilityIndex::install(Programs programs, LedgerStore& store) {
    startRecording();
    try {
        swapIn(std::move(programs), store);
    } catch (...) {
        recording_.store(false);
        throw;
    }
}

void EligibilityIndex::swapIn(Programs loaded, LedgerStore& store) {
    store.forEachBlockingClaim([&](const std::string& program, const CitizenKey& key,
                                   protocols::ClaimStatus status, protocols::Channel channel,
                                   std::int64_t since) {
        const auto found = loaded.find(program);
        if (found != loaded.end()) found->second->setClaimState(key, status, channel, since);
    });
    std::unique_lock lock(mutex_);
    std::lock_guard replay_lock(replay_mutex_);
    for (const auto& update : replay_) {
        const auto found = loaded.find(update.program);
        if (found != loaded.end()) {
            found->second->setClaimState(update.key, update.status, update.channel,
                                         update.since_millis);
        }
    }
    const bool overflowed = replay_overflowed_;
    replay_.clear();
    replay_overflowed_ = false;
    recording_.store(false);
    programs_ = std::move(loaded);
    if (overflowed) {
        // More changes than the replay holds: read the claim states once more. A state
        // mirrored meanwhile may be overwritten by the one just read; it is advisory and the
        // database decides every hold.
        lock.unlock();
        store.forEachBlockingClaim(
            [&](const std::string& program, const CitizenKey& key, protocols::ClaimStatus status,
                protocols::Channel channel,
                std::int64_t since) { applyClaimState(program, key, status, channel, since); });
    }
}

IndexChange EligibilityIndex::applyRosterChange(const RosterRow& row) {
    std::shared_lock lock(mutex_);
    const auto found = programs_.find(row.program);
    if (found == programs_.end()) return IndexChange::table_full;
    return found->second->upsert(row);
}

std::shared_ptr<const ProgramIndex> EligibilityIndex::program(const std::string& id) const {
    std::shared_lock lock(mutex_);
    const auto found = programs_.find(id);
    return found == programs_.end() ? nullptr : found->second;
}

std::vector<protocols::Program> EligibilityIndex::programs() const {
    std::shared_lock lock(mutex_);
    std::vector<protocols::Program> list;
    for (const auto& [id, index] : programs_) list.push_back(index->program());
    return list;
}

std::vector<std::shared_ptr<const ProgramIndex>> EligibilityIndex::programIndexes() const {
    std::shared_lock lock(mutex_);
    std::vector<std::shared_ptr<const ProgramIndex>> list;
    for (const auto& [id, index] : programs_) list.push_back(index);
    return list;
}

void EligibilityIndex::applyClaimState(const std::string& program, const CitizenKey& key,
                                       protocols::ClaimStatus status, protocols::Channel channel,
                                       std::int64_t since_millis) {
    std::shared_lock lock(mutex_);
    const auto found = programs_.find(program);
    if (found != programs_.end()) found->second->setClaimState(key, status, channel, since_millis);
    if (recording_.load()) {
        std::lock_guard replay_lock(replay_mutex_);
        if (recording_.load()) {
            if (replay_.size() < kIndexReplayUpdatesMax) {
                replay_.push_back({program, key, status, channel, since_millis});
            } else {
                replay_overflowed_ = true;
            }
        }
    }
}

std::size_t EligibilityIndex::entries() const {
    std::shared_lock lock(mutex_);
    std::size_t total = 0;
    for (const auto& [id, index] : programs_) total += index->size();
    return total;
}

std::size_t EligibilityIndex::bytesUsed() const {
    std::shared_lock lock(mutex_);
    std::size_t total = 0;
    for (const auto& [id, index] : programs_) total += index->bytesUsed();
    return total;
}

}  // namespace claimgate::gateway
