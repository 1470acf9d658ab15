#include <claimgate/gateway/eligibility_index.hpp>

#include <claimgate/gateway/limits.hpp>

#include <cassert>
#include <cstring>
#include <mutex>

namespace claimgate::gateway {
namespace {

__extension__ typedef unsigned __int128 Uint128;

// 40-byte slots at <= 87% load plus the shared proxy array stay under the contracts' 48 bytes per
// entry; unsuccessful probes (citizens not on the roster) stay around 30 slots, hits ~4.
constexpr double kLoadFactorMax = 0.87;
constexpr std::uint64_t kStatusMask = 0xF;
constexpr std::uint64_t kFixedMask = 0xFFFFFF00ULL;  // claim_by, flags, counts, reason

bool isEmptyKey(const IndexKey& key) {
    for (auto byte : key) {
        if (byte != 0) return false;
    }
    return true;
}

std::uint64_t first8(const std::uint8_t* bytes) {
    std::uint64_t value = 0;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

}  // namespace

ProgramIndex::ProgramIndex(protocols::Program program, std::size_t expected_entries)
    : program_(std::move(program)) {
    assert(expected_entries < kIndexEntriesMax);
    const auto capacity =
        static_cast<std::size_t>(static_cast<double>(expected_entries) / kLoadFactorMax) + 16;
    slots_ = std::vector<Slot>(capacity);
    proxies_.emplace_back();           // index 0: "no proxies"
    excluded_reasons_.emplace_back();  // index 0: not excluded
}

std::size_t ProgramIndex::home(const IndexKey& key) const {
    // Multiply-shift maps the random 64-bit prefix onto [0, capacity) without a modulo.
    const Uint128 product = static_cast<Uint128>(first8(key.data())) * slots_.size();
    return static_cast<std::size_t>(product >> 64);
}

std::uint64_t ProgramIndex::packState(std::uint64_t fixed, protocols::ClaimStatus status,
                                      protocols::Channel channel, std::int64_t since_millis) {
    const auto seconds = static_cast<std::uint64_t>(since_millis / 1000) & 0xFFFFFFFFULL;
    return (fixed & kFixedMask) | (static_cast<std::uint64_t>(status) & kStatusMask) |
           ((static_cast<std::uint64_t>(channel) & 0xF) << 4) | (seconds << 32);
}

bool ProgramIndex::insert(const RosterRow& row) {
    if (size_ + 1 >= slots_.size()) return false;
    const IndexKey key = indexKeyOf(row.citizen_key);
    std::size_t at = home(key);
    while (!isEmptyKey(slots_[at].key) && slots_[at].key != key) {
        at = at + 1 == slots_.size() ? 0 : at + 1;
    }
    Slot& slot = slots_[at];
    const bool fresh = isEmptyKey(slot.key);
    slot.key = key;
    slot.nhi_tag = row.nhi_hash ? first8(row.nhi_hash->data()) : 0;
    slot.amount = static_cast<std::uint32_t>(row.amount);
    std::uint64_t proxy_count = std::min<std::size_t>(row.proxies.size(), 15);
    slot.proxies_offset = 0;
    if (proxy_count > 0) {
        slot.proxies_offset = static_cast<std::uint32_t>(proxies_.size());
        for (std::size_t i = 0; i < proxy_count; ++i) {
            proxies_.push_back(indexKeyOf(row.proxies[i]));
        }
    }
    std::uint64_t reason_index = 0;
    if (row.excluded) {
        for (std::size_t i = 1; i < excluded_reasons_.size(); ++i) {
            if (excluded_reasons_[i] == *row.excluded) reason_index = i;
        }
        if (reason_index == 0 && excluded_reasons_.size() < 255) {
            reason_index = excluded_reasons_.size();
            excluded_reasons_.push_back(*row.excluded);
        }
    }
    const std::uint64_t fixed = (static_cast<std::uint64_t>(row.claim_by) << 8) |
                                (row.excluded ? (1ULL << 10) : 0) |
                                (row.nhi_hash ? (1ULL << 11) : 0) | (proxy_count << 12) |
                                (reason_index << 16);
    const std::uint64_t previous = slot.state.load(std::memory_order_relaxed);
    slot.state.store((previous & ~kFixedMask) | fixed, std::memory_order_relaxed);
    if (fresh) ++size_;
    return true;
}

const ProgramIndex::Slot* ProgramIndex::findSlot(const IndexKey& key) const {
    std::size_t at = home(key);
    for (std::size_t probes = 0; probes < slots_.size(); ++probes) {
        const Slot& slot = slots_[at];
        if (slot.key == key) return &slot;
        if (isEmptyKey(slot.key)) return nullptr;
        at = at + 1 == slots_.size() ? 0 : at + 1;
    }
    return nullptr;
}

std::optional<RosterView> ProgramIndex::find(const CitizenKey& citizen_key) const {
    const Slot* slot = findSlot(indexKeyOf(citizen_key));
    if (slot == nullptr) return std::nullopt;
    const std::uint64_t state = slot->state.load(std::memory_order_acquire);
    RosterView view;
    view.amount = slot->amount != 0 ? slot->amount : program_.amount;
    view.has_nhi = (state >> 11) & 1U;
    view.nhi_tag = slot->nhi_tag;
    view.claim_by = static_cast<protocols::ClaimBy>((state >> 8) & 3U);
    view.excluded = (state >> 10) & 1U;
    const auto reason_index = static_cast<std::size_t>((state >> 16) & 0xFFU);
    if (view.excluded && reason_index < excluded_reasons_.size()) {
        view.excluded_reason = excluded_reasons_[reason_index];
    }
    view.claim_status = static_cast<protocols::ClaimStatus>(state & kStatusMask);
    view.claim_channel = static_cast<protocols::Channel>((state >> 4) & 0xFU);
    view.claim_since_millis = static_cast<std::int64_t>(state >> 32) * 1000;
    const auto proxy_count = static_cast<std::size_t>((state >> 12) & 0xFU);
    for (std::size_t i = 0; i < proxy_count; ++i) {
        view.proxies.push_back(proxies_[slot->proxies_offset + i]);
    }
    return view;
}

bool ProgramIndex::setClaimState(const CitizenKey& key, protocols::ClaimStatus status,
                                 protocols::Channel channel, std::int64_t since_millis) {
    // const_cast is safe: only the atomic state word changes, never the slot layout.
    auto* slot = const_cast<Slot*>(findSlot(indexKeyOf(key)));
    if (slot == nullptr) return false;
    std::uint64_t current = slot->state.load(std::memory_order_relaxed);
    while (!slot->state.compare_exchange_weak(current,
                                              packState(current, status, channel, since_millis),
                                              std::memory_order_release,
                                              std::memory_order_relaxed)) {
    }
    return true;
}

std::size_t ProgramIndex::bytesUsed() const {
    return slots_.size() * sizeof(Slot) + proxies_.size() * sizeof(IndexKey);
}

void EligibilityIndex::load(LedgerStore& store) {
    std::unordered_map<std::string, std::shared_ptr<ProgramIndex>> loaded;
    for (auto& program : store.loadPrograms()) {
        const auto rows = static_cast<std::size_t>(store.countRosterRows(program.id));
        auto index = std::make_shared<ProgramIndex>(program, rows);
        store.forEachRosterRow(program.id, [&](const RosterRow& row) {
            if (!index->insert(row)) throw LedgerStoreError("roster larger than counted");
        });
        loaded.emplace(program.id, std::move(index));
    }
    store.forEachBlockingClaim([&](const std::string& program, const CitizenKey& key,
                                   protocols::ClaimStatus status, protocols::Channel channel,
                                   std::int64_t since) {
        const auto found = loaded.find(program);
        if (found != loaded.end()) found->second->setClaimState(key, status, channel, since);
    });
    std::unique_lock lock(mutex_);
    programs_ = std::move(loaded);
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

void EligibilityIndex::applyClaimState(const std::string& program, const CitizenKey& key,
                                       protocols::ClaimStatus status, protocols::Channel channel,
                                       std::int64_t since_millis) {
    std::shared_lock lock(mutex_);
    const auto found = programs_.find(program);
    if (found != programs_.end()) found->second->setClaimState(key, status, channel, since_millis);
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
