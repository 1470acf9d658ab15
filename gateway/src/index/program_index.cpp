#include <claimgate/gateway/program_index.hpp>

#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/citizen_keys.hpp>

#include <algorithm>
#include <cassert>
#include <cstring>

// ThreadSanitizer does not model std::atomic_thread_fence, and GCC refuses one under
// -fsanitize=thread (-Werror=tsan). Every word of a slot is an atomic, so TSan sees no data race
// here either way; its builds order the sequence lock with read-modify-writes of the stripe word
// instead of the two fences (stronger, slower, same protocol).
#if defined(__SANITIZE_THREAD__)
#define CG_SEQLOCK_WITHOUT_FENCES 1
#else
#define CG_SEQLOCK_WITHOUT_FENCES 0
#endif

namespace claimgate::gateway {
namespace {

__extension__ typedef unsigned __int128 Uint128;

// 40-byte slots at <= 87% load plus the proxy keys stay under the contracts' 48 bytes per
// entry; unsuccessful probes (citizens not on the roster) stay around 30 slots, hits ~4.
constexpr double kLoadFactorMax = 0.87;
// Citizens added while serving may fill the table up to here before the index is rebuilt at
// its right size; probes grow long beyond it.
constexpr double kLoadFactorLiveMax = 0.95;

// The state word: [0..3] claim status, [4..7] channel, [8..9] claim_by (3 = not on the
// roster), [10] excluded, [11] has_nhi, [12..15] proxy count, [16..23] excluded reason index,
// [24..63] claim time in milliseconds since kStateEpochMillis (40 bits: until 2054).
constexpr std::uint64_t kStatusMask = 0xF;
constexpr std::uint64_t kRemovedClaimBy = 3;
constexpr int kTimeShift = 24;
constexpr std::int64_t kStateEpochMillis = 1'577'836'800'000;  // 2020-01-01T00:00:00Z
constexpr std::uint64_t kTimeMax = (std::uint64_t{1} << 40) - 1;
constexpr std::size_t kProxiesPerSlotMax = 15;  // 4 bits of the state word
static_assert(protocols::kProxiesPerCitizenMax <= kProxiesPerSlotMax);

std::uint64_t word(const std::uint8_t* bytes) {
    std::uint64_t value = 0;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

std::uint64_t timeBits(std::int64_t since_millis) {
    const std::int64_t relative = since_millis - kStateEpochMillis;
    if (relative <= 0) return 0;
    return std::min(static_cast<std::uint64_t>(relative), kTimeMax);
}

}  // namespace

ProgramIndex::ProgramIndex(protocols::Program program, std::size_t expected_entries)
    : program_(std::move(program)),
      proxy_chunks_(std::make_unique<std::atomic<ProxyWord*>[]>(kProxyChunksMax)),
      stripes_(std::make_unique<std::atomic<std::uint32_t>[]>(kStripes)) {
    assert(expected_entries < kIndexEntriesMax);
    const auto capacity =
        static_cast<std::size_t>(static_cast<double>(expected_entries) / kLoadFactorMax) + 16;
    slots_ = SlotTable(capacity);
    entries_max_ = std::min(
        capacity - 1, static_cast<std::size_t>(static_cast<double>(capacity) * kLoadFactorLiveMax));
    entries_max_ = std::max(entries_max_, std::min(expected_entries, capacity - 1));
}

ProgramIndex::~ProgramIndex() {
    for (std::size_t i = 0; i < kProxyChunksMax; ++i) {
        delete[] proxy_chunks_[i].load(std::memory_order_relaxed);
    }
}

std::size_t ProgramIndex::home(std::uint64_t key_low) const {
    // Multiply-shift maps the random 64-bit prefix onto [0, capacity) without a modulo.
    const Uint128 product = static_cast<Uint128>(key_low) * slots_.size();
    return static_cast<std::size_t>(product >> 64);
}

std::atomic<std::uint32_t>& ProgramIndex::stripe(std::uint64_t key_low) const {
    // home() uses the high bits of the prefix; the stripe the low ones.
    return stripes_[key_low & (kStripes - 1)];
}

ProgramIndex::Slot* ProgramIndex::findSlot(std::uint64_t key_low, std::uint64_t key_high) const {
    std::size_t at = home(key_low);
    for (std::size_t probes = 0; probes < slots_.size(); ++probes) {
        // const_cast: slots are atomics; callers only change them through atomic operations.
        auto& slot = const_cast<Slot&>(slots_[at]);
        const auto low = slot.key_low.load(std::memory_order_acquire);
        const auto high = slot.key_high.load(std::memory_order_acquire);
        if (low == key_low && high == key_high) return &slot;
        if (low == 0 && high == 0) return nullptr;
        at = at + 1 == slots_.size() ? 0 : at + 1;
    }
    return nullptr;
}

IndexKey ProgramIndex::proxyAt(std::size_t index) const {
    IndexKey key{};
    const ProxyWord* chunk = proxy_chunks_[index / kProxyChunkKeys].load(std::memory_order_acquire);
    if (chunk == nullptr) return key;  // only a torn read in flight gets here; it is retried
    const std::size_t at = 2 * (index % kProxyChunkKeys);
    const std::uint64_t low = chunk[at].load(std::memory_order_relaxed);
    const std::uint64_t high = chunk[at + 1].load(std::memory_order_relaxed);
    std::memcpy(key.data(), &low, sizeof low);
    std::memcpy(key.data() + sizeof low, &high, sizeof high);
    return key;
}

std::uint32_t ProgramIndex::appendProxies(const RosterRow& row, std::size_t count) {
    if (proxies_used_ + count > kProxyChunksMax * kProxyChunkKeys) return 0;
    const auto first = static_cast<std::uint32_t>(proxies_used_);
    for (std::size_t i = 0; i < count; ++i, ++proxies_used_) {
        auto& published = proxy_chunks_[proxies_used_ / kProxyChunkKeys];
        ProxyWord* chunk = published.load(std::memory_order_relaxed);  // only this thread writes
        if (chunk == nullptr) {
            chunk = new ProxyWord[2 * kProxyChunkKeys]();
            published.store(chunk, std::memory_order_release);
        }
        const std::size_t at = 2 * (proxies_used_ % kProxyChunkKeys);
        chunk[at].store(word(row.proxies[i].data()), std::memory_order_relaxed);
        chunk[at + 1].store(word(row.proxies[i].data() + 8), std::memory_order_relaxed);
    }
    return first;
}

std::uint64_t ProgramIndex::reasonIndex(const std::string& reason) {
    const std::size_t count = reasons_count_.load(std::memory_order_relaxed);
    for (std::size_t i = 1; i < count; ++i) {
        if (reasons_[i] == reason) return i;
    }
    if (count == kReasonsMax) return 0;  // shown as "excluded" without a reason
    reasons_[count] = reason;
    reasons_count_.store(count + 1, std::memory_order_release);
    return count;
}

IndexChange ProgramIndex::upsert(const RosterRow& row) {
    const std::uint64_t key_low = word(row.citizen_key.data());
    const std::uint64_t key_high = word(row.citizen_key.data() + 8);
    Slot* slot = findSlot(key_low, key_high);
    if (slot == nullptr && row.removed) return IndexChange::applied;  // nothing to remove
    if (slot == nullptr && size() >= entries_max_) return IndexChange::table_full;

    std::uint64_t fixed = kRemovedClaimBy << 8;
    std::uint32_t proxies_offset = 0;
    if (!row.removed) {
        const std::size_t proxy_count = std::min(row.proxies.size(), kProxiesPerSlotMax);
        if (proxy_count > 0) {
            proxies_offset = appendProxies(row, proxy_count);
            if (proxies_offset == 0) return IndexChange::table_full;
        }
        const std::uint64_t reason = row.excluded ? reasonIndex(*row.excluded) : 0;
        fixed = (static_cast<std::uint64_t>(row.claim_by) << 8) |
                (row.excluded ? (1ULL << 10) : 0) | (row.nhi_hash ? (1ULL << 11) : 0) |
                (static_cast<std::uint64_t>(proxy_count) << 12) | (reason << 16);
    }

    // Sequence lock (writer side): odd while the citizen's words change.
    auto& sequence = stripe(key_low);
    const std::uint32_t before = sequence.load(std::memory_order_relaxed);
#if CG_SEQLOCK_WITHOUT_FENCES
    sequence.exchange(before + 1, std::memory_order_acq_rel);
#else
    sequence.store(before + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
#endif
    const bool fresh = slot == nullptr;
    if (fresh) {
        std::size_t at = home(key_low);
        while (slots_[at].key_low.load(std::memory_order_relaxed) != 0 ||
               slots_[at].key_high.load(std::memory_order_relaxed) != 0) {
            at = at + 1 == slots_.size() ? 0 : at + 1;
        }
        slot = &slots_[at];
    }
    if (!row.removed) {
        slot->nhi_tag.store(row.nhi_hash ? protocols::CitizenKeys::nhiTagOf(*row.nhi_hash) : 0,
                            std::memory_order_relaxed);
        slot->amount.store(static_cast<std::uint32_t>(row.amount), std::memory_order_relaxed);
        slot->proxies_offset.store(proxies_offset, std::memory_order_relaxed);
    }
    std::uint64_t state = slot->state.load(std::memory_order_relaxed);
    while (!slot->state.compare_exchange_weak(state, (state & ~kFixedMask) | fixed,
                                              std::memory_order_release,
                                              std::memory_order_relaxed)) {
    }
    if (fresh) {
        // The key last: a reader probing past this slot sees a complete entry or none.
        slot->key_high.store(key_high, std::memory_order_release);
        slot->key_low.store(key_low, std::memory_order_release);
        size_.fetch_add(1, std::memory_order_relaxed);
    }
    sequence.store(before + 2, std::memory_order_release);
    return IndexChange::applied;
}

std::optional<RosterView> ProgramIndex::readView(std::uint64_t key_low,
                                                 std::uint64_t key_high) const {
    const Slot* slot = findSlot(key_low, key_high);
    if (slot == nullptr) return std::nullopt;
    const std::uint64_t state = slot->state.load(std::memory_order_acquire);
    if (((state >> 8) & 3U) == kRemovedClaimBy) return std::nullopt;
    RosterView view;
    const auto amount = slot->amount.load(std::memory_order_relaxed);
    view.amount = amount != 0 ? amount : program_.amount;
    view.has_nhi = (state >> 11) & 1U;
    view.nhi_tag = slot->nhi_tag.load(std::memory_order_relaxed);
    view.claim_by = static_cast<protocols::ClaimBy>((state >> 8) & 3U);
    view.excluded = (state >> 10) & 1U;
    const auto reason_index = static_cast<std::size_t>((state >> 16) & 0xFFU);
    if (view.excluded && reason_index > 0 &&
        reason_index < reasons_count_.load(std::memory_order_acquire)) {
        view.excluded_reason = reasons_[reason_index];
    }
    view.claim_status = static_cast<protocols::ClaimStatus>(state & kStatusMask);
    view.claim_channel = static_cast<protocols::Channel>((state >> 4) & 0xFU);
    const std::uint64_t time = state >> kTimeShift;
    view.claim_since_millis = time == 0 ? 0 : kStateEpochMillis + static_cast<std::int64_t>(time);
    const auto proxy_count = static_cast<std::size_t>((state >> 12) & 0xFU);
    const std::size_t offset = slot->proxies_offset.load(std::memory_order_relaxed);
    view.proxies.reserve(proxy_count);
    for (std::size_t i = 0; i < proxy_count; ++i) {
        if (offset + i >= kProxyChunksMax * kProxyChunkKeys) break;  // torn read: retried
        view.proxies.push_back(proxyAt(offset + i));
    }
    return view;
}

std::optional<RosterView> ProgramIndex::find(const CitizenKey& citizen_key) const {
    const std::uint64_t key_low = word(citizen_key.data());
    const std::uint64_t key_high = word(citizen_key.data() + 8);
    auto& sequence = stripe(key_low);
    for (;;) {
        const std::uint32_t before = sequence.load(std::memory_order_acquire);
        if ((before & 1U) != 0) continue;  // a change of this stripe is in flight
        auto view = readView(key_low, key_high);
#if CG_SEQLOCK_WITHOUT_FENCES
        if (sequence.fetch_add(0, std::memory_order_acq_rel) == before) return view;
#else
        std::atomic_thread_fence(std::memory_order_acquire);
        if (sequence.load(std::memory_order_relaxed) == before) return view;
#endif
    }
}

bool ProgramIndex::setClaimState(const CitizenKey& key, protocols::ClaimStatus status,
                                 protocols::Channel channel, std::int64_t since_millis) {
    Slot* slot = findSlot(word(key.data()), word(key.data() + 8));
    if (slot == nullptr) return false;
    const std::uint64_t claim = (static_cast<std::uint64_t>(status) & kStatusMask) |
                                ((static_cast<std::uint64_t>(channel) & 0xF) << 4) |
                                (timeBits(since_millis) << kTimeShift);
    std::uint64_t current = slot->state.load(std::memory_order_relaxed);
    while (!slot->state.compare_exchange_weak(current, (current & kFixedMask) | claim,
                                              std::memory_order_release,
                                              std::memory_order_relaxed)) {
    }
    return true;
}

std::size_t ProgramIndex::bytesUsed() const {
    // Proxy chunks are allocated whole, but only their used part grows with the entries.
    return slots_.size() * sizeof(Slot) + proxies_used_ * sizeof(IndexKey);
}

}  // namespace claimgate::gateway
