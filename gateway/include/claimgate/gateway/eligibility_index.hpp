// File: eligibility_index.hpp
// The in-memory roster of contracts §6: "may this person collect?" answered without touching the
// database. One open-addressing table per program, keyed by the first 16 bytes of the HMAC
// citizen key (uniformly random, so its first 8 bytes are the hash). A slot is 40 bytes and the
// table runs at <= 87% load: under 48 bytes per entry with the proxy array.
//
// Concurrency: the roster part of a slot is written once, before the table is published; the
// claim state is one atomic 64-bit word that the ledger writer updates after each durable
// commit, so readers never lock. On several nodes this state is advisory: holds are always
// decided by the database.
#pragma once

#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/program.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace claimgate::gateway {

using IndexKey = std::array<std::uint8_t, 16>;

[[nodiscard]] inline IndexKey indexKeyOf(const CitizenKey& key) {
    IndexKey short_key{};
    for (std::size_t i = 0; i < short_key.size(); ++i) short_key[i] = key[i];
    return short_key;
}

/// What the index knows about one citizen in one program.
struct RosterView {
    std::int64_t amount = 0;  // resolved: the roster's or the program's
    bool has_nhi = false;
    std::uint64_t nhi_tag = 0;  // first 8 bytes of HMAC(pepper, NHI number)
    protocols::ClaimBy claim_by = protocols::ClaimBy::self;
    bool excluded = false;
    std::string excluded_reason;
    protocols::ClaimStatus claim_status = protocols::ClaimStatus::none;
    protocols::Channel claim_channel = protocols::Channel::atm;
    std::int64_t claim_since_millis = 0;
    std::vector<IndexKey> proxies;
};

class ProgramIndex {
public:
    ProgramIndex(protocols::Program program, std::size_t expected_entries);

    /// Load phase only (single thread, before publication). False if the table is full.
    bool insert(const RosterRow& row);
    /// Reader API. Thread-safe.
    [[nodiscard]] std::optional<RosterView> find(const CitizenKey& key) const;
    /// Writer API (ledger thread): mirror a durable claim state. Thread-safe with readers.
    bool setClaimState(const CitizenKey& key, protocols::ClaimStatus status,
                       protocols::Channel channel, std::int64_t since_millis);

    [[nodiscard]] const protocols::Program& program() const { return program_; }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::size_t capacity() const { return slots_.size(); }
    [[nodiscard]] std::size_t bytesUsed() const;

private:
    struct Slot {
        IndexKey key{};                  // all-zero = empty (an HMAC is never all zeros)
        std::uint64_t nhi_tag = 0;
        std::uint32_t amount = 0;        // 0 = program amount
        std::uint32_t proxies_offset = 0;  // into proxies_, 0 = none (index 0 is a sentinel)
        std::atomic<std::uint64_t> state{0};
    };
    static_assert(sizeof(Slot) == 40, "index slot must stay at 40 bytes");

    // state word: [0..3] claim status, [4..7] channel, [8..9] claim_by, [10] excluded,
    // [11] has_nhi, [12..15] proxy count, [16..23] excluded reason index, [32..63] seconds.
    static std::uint64_t packState(std::uint64_t fixed, protocols::ClaimStatus status,
                                   protocols::Channel channel, std::int64_t since_millis);

    [[nodiscard]] std::size_t home(const IndexKey& key) const;
    [[nodiscard]] const Slot* findSlot(const IndexKey& key) const;

    protocols::Program program_;
    std::vector<Slot> slots_;
    std::vector<IndexKey> proxies_;
    std::vector<std::string> excluded_reasons_;
    std::size_t size_ = 0;
};

/// All programs' indexes. Programs are swapped in whole (copy-on-write) when reloaded.
class EligibilityIndex {
public:
    /// Builds every program's index from the store: roster rows, then blocking claims.
    void load(LedgerStore& store);
    [[nodiscard]] std::shared_ptr<const ProgramIndex> program(const std::string& id) const;
    [[nodiscard]] std::vector<protocols::Program> programs() const;
    void applyClaimState(const std::string& program, const CitizenKey& key,
                         protocols::ClaimStatus status, protocols::Channel channel,
                         std::int64_t since_millis);
    [[nodiscard]] std::size_t entries() const;
    [[nodiscard]] std::size_t bytesUsed() const;

private:
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<ProgramIndex>> programs_;
};

}  // namespace claimgate::gateway
