// File: program_index.hpp
// One program's in-memory roster (contracts §6): "may this person collect?" answered without
// touching the database. Open addressing keyed by the first 16 bytes of the HMAC citizen key
// (uniformly random, so its first 8 bytes are the hash), linear probing, 40-byte slots at
// <= 87% load: under 48 bytes per entry with the proxy array.
//
// Concurrency: any number of readers (find) run without locks, together with one roster writer
// (upsert/remove: the loader, then the roster follower) and the ledger writer (setClaimState).
// Every field of a slot is an atomic word. A citizen's roster part spans several words, so the
// roster writer changes it inside a sequence lock striped by key; a reader that saw a change
// in flight reads again, so a lookup sees a citizen's roster entry entirely before or entirely
// after a change (atomic per citizen). The claim state is one word of its own, changed by CAS.
// Slots are never freed: a removal leaves the key with the "not on roster" mark, so probing
// stays correct and the citizen's claim state survives.
#pragma once

#include <claimgate/gateway/huge_page_allocator.hpp>
#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/program.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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
    std::uint64_t nhi_tag = 0;  // first 8 bytes of HMAC(pepper, "nhi:" + NHI number)
    protocols::ClaimBy claim_by = protocols::ClaimBy::self;
    bool excluded = false;
    std::string excluded_reason;
    protocols::ClaimStatus claim_status = protocols::ClaimStatus::none;
    protocols::Channel claim_channel = protocols::Channel::atm;
    std::int64_t claim_since_millis = 0;  // millisecond precision (eligibility's claim.at)
    std::vector<IndexKey> proxies;
};

/// Why a roster change could not be applied in place: the caller rebuilds the whole index.
enum class IndexChange : std::uint8_t { applied, table_full };

class ProgramIndex {
public:
    ProgramIndex(protocols::Program program, std::size_t expected_entries);
    ~ProgramIndex();
    ProgramIndex(const ProgramIndex&) = delete;
    ProgramIndex& operator=(const ProgramIndex&) = delete;

    /// Roster writer (one thread at a time). Adds or replaces the citizen's roster entry, or
    /// (row.removed) marks the citizen as no longer on the roster. table_full: no room left
    /// for a new citizen or their proxies without degrading lookups; nothing changed.
    IndexChange upsert(const RosterRow& row);
    /// upsert() for loading: false when the table is full.
    bool insert(const RosterRow& row) { return upsert(row) == IndexChange::applied; }

    /// Reader API. Thread-safe, lock-free. nullopt: not on the roster (never, or removed).
    [[nodiscard]] std::optional<RosterView> find(const CitizenKey& key) const;
    /// Ledger writer: mirror a durable claim state. Thread-safe with readers and the roster
    /// writer. False if the citizen has no slot (never on this roster).
    bool setClaimState(const CitizenKey& key, protocols::ClaimStatus status,
                       protocols::Channel channel, std::int64_t since_millis);

    [[nodiscard]] const protocols::Program& program() const { return program_; }
    /// Citizens with a slot (removed ones included: their slot is kept).
    [[nodiscard]] std::size_t size() const { return size_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::size_t capacity() const { return slots_.size(); }
    [[nodiscard]] std::size_t bytesUsed() const;

private:
    friend class IndexSnapshot;  // reads and restores the tables whole

    struct Slot {
        std::atomic<std::uint64_t> key_low{0};  // both 0 = empty (an HMAC is never all zero)
        std::atomic<std::uint64_t> key_high{0};
        std::atomic<std::uint64_t> nhi_tag{0};
        std::atomic<std::uint32_t> amount{0};          // 0 = program amount
        std::atomic<std::uint32_t> proxies_offset{0};  // into proxies_, 0 = none (sentinel)
        std::atomic<std::uint64_t> state{0};
    };
    static_assert(sizeof(Slot) == 40, "index slot must stay at 40 bytes");
    // The roster part of the state word (see program_index.cpp for the layout).
    static constexpr std::uint64_t kFixedMask = 0x00FFFF00ULL;
    static constexpr std::size_t kStripes = 4096;
    static constexpr std::size_t kReasonsMax = 256;
    // Proxy keys live in fixed chunks that never move (readers index them without a lock);
    // 4096 chunks of 65536 keys hold 268M proxies, far above any roster.
    static constexpr std::size_t kProxyChunkKeys = std::size_t{1} << 16;
    static constexpr std::size_t kProxyChunksMax = std::size_t{1} << 12;
    using ProxyWord = std::atomic<std::uint64_t>;  // 2 words per key, in chunks

    [[nodiscard]] std::size_t home(std::uint64_t key_low) const;
    [[nodiscard]] Slot* findSlot(std::uint64_t key_low, std::uint64_t key_high) const;
    [[nodiscard]] std::atomic<std::uint32_t>& stripe(std::uint64_t key_low) const;
    [[nodiscard]] std::optional<RosterView> readView(std::uint64_t key_low,
                                                     std::uint64_t key_high) const;
    [[nodiscard]] IndexKey proxyAt(std::size_t index) const;
    /// Appends `count` proxies of `row`; their first index, or 0 when there is no room left.
    std::uint32_t appendProxies(const RosterRow& row, std::size_t count);
    /// Index of `reason` in reasons_, adding it; 0 if the table of reasons is full.
    std::uint64_t reasonIndex(const std::string& reason);

    protocols::Program program_;
    using SlotTable = std::vector<Slot, HugePageAllocator<Slot>>;
    SlotTable slots_;
    std::size_t entries_max_ = 0;                   // new citizens beyond it: table_full
    /// kProxyChunksMax chunk pointers, owned (the destructor deletes them). A reader may look at
    /// a chunk pointer while the writer creates that chunk (a torn read it then retries), so the
    /// pointers are atomics: published with release, read with acquire.
    std::unique_ptr<std::atomic<ProxyWord*>[]> proxy_chunks_;
    std::size_t proxies_used_ = 1;                  // index 0 is the "no proxies" sentinel
    std::array<std::string, kReasonsMax> reasons_;  // [0] = not excluded
    std::atomic<std::size_t> reasons_count_{1};
    std::atomic<std::size_t> size_{0};
    std::unique_ptr<std::atomic<std::uint32_t>[]> stripes_;
};

}  // namespace claimgate::gateway
