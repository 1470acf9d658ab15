// File: eligibility_index.hpp
// All programs' in-memory rosters (contracts §6), see program_index.hpp for one program. The
// set of programs is swapped in whole (copy-on-write) when the index is rebuilt from the
// database; roster changes that arrive while serving are applied in place, per citizen.
//
// On several nodes the claim state kept here is advisory: holds are decided by the database.
#pragma once

#include <claimgate/gateway/program_index.hpp>
#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/program.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace claimgate::gateway {

class EligibilityIndex {
public:
    using Programs = std::unordered_map<std::string, std::shared_ptr<ProgramIndex>>;

    /// Builds every program's index from the store (roster rows, then blocking claims) and
    /// swaps it in; lookups keep being served from the old index meanwhile. Returns the
    /// roster version the new index reflects (read before the rows, so later changes are
    /// applied again, harmlessly). Claim states mirrored while it builds are replayed onto the
    /// new index. Throws LedgerStoreError.
    std::int64_t load(LedgerStore& store);
    /// Swaps in programs built elsewhere (a verified snapshot), with the blocking claims of
    /// the store. Same replay rule as load().
    void install(Programs programs, LedgerStore& store);

    /// Roster writer (the follower): one change, atomic for the citizen. table_full also
    /// when the program is unknown to this index: the caller rebuilds.
    IndexChange applyRosterChange(const RosterRow& row);

    [[nodiscard]] std::shared_ptr<const ProgramIndex> program(const std::string& id) const;
    [[nodiscard]] std::vector<protocols::Program> programs() const;
    [[nodiscard]] std::vector<std::shared_ptr<const ProgramIndex>> programIndexes() const;
    void applyClaimState(const std::string& program, const CitizenKey& key,
                         protocols::ClaimStatus status, protocols::Channel channel,
                         std::int64_t since_millis);
    [[nodiscard]] std::size_t entries() const;
    [[nodiscard]] std::size_t bytesUsed() const;

private:
    struct ClaimStateUpdate {
        std::string program;
        CitizenKey key{};
        protocols::ClaimStatus status = protocols::ClaimStatus::none;
        protocols::Channel channel = protocols::Channel::atm;
        std::int64_t since_millis = 0;
    };

    /// Loads the blocking claims, then swaps `loaded` in and replays what was mirrored since.
    void swapIn(Programs loaded, LedgerStore& store);
    void startRecording();

    mutable std::shared_mutex mutex_;
    Programs programs_;
    // While a new index is being built, claim states mirrored into the old one are recorded
    // and replayed onto the new one before it is published, so no durable change is lost.
    std::mutex replay_mutex_;
    std::atomic<bool> recording_{false};
    std::vector<ClaimStateUpdate> replay_;  // at most kIndexReplayUpdatesMax
    bool replay_overflowed_ = false;
};

}  // namespace claimgate::gateway
