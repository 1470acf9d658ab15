#include <claimgate/ledger/claim_engine.hpp>

#include <claimgate/ledger/claim_access.hpp>
#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/dispense_time.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/random_bytes.hpp>
#include <claimgate/protocols/time_format.hpp>

#include "composite_key.hpp"
#include "render_worker.hpp"

#include <algorithm>
#include <exception>

namespace claimgate::gateway {
namespace {

using protocols::Channel;
using protocols::ClaimStatus;

// Claim ids: 48 bits of milliseconds then 72 random bits, in a base32 alphabet whose symbols
// are in ASCII order, so ids sort by time. New rows then land on the rightmost pages of the
// claims B-tree instead of random ones: fewer dirty pages per group commit.
constexpr char kBase32Alphabet[] = "234567abcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kClaimIdTimeBytes = 6;
constexpr std::size_t kClaimIdRandomBytes = 9;
constexpr std::size_t kClaimIdBytes = kClaimIdTimeBytes + kClaimIdRandomBytes;  // 24 characters
static_assert(kClaimIdBytes * 8 % 5 == 0, "claim ids must encode without padding");
/// meta key of the cluster-wide in_doubt count.
constexpr const char* kInDoubtTotalKey = "in_doubt_claims";

LedgerReply outcomeReply(OperationKind kind, LedgerOutcome outcome,
                         std::optional<ClaimRecord> claim = std::nullopt) {
    LedgerReply reply;
    reply.kind = kind;
    reply.outcome = outcome;
    reply.claim = std::move(claim);
    return reply;
}

/// Deferred replies go to the render thread in groups of this many while the batch is applied:
/// one wake-up per group, not per reply (a wake-up costs about what rendering a reply does).
constexpr std::size_t kRenderGroup = 8;
/// At the batch's end the render thread helps with what is left only from this many replies.
constexpr std::size_t kBackgroundRenderMin = 4;

IndexUpdate indexUpdateFor(const ClaimRecord& claim) {
    return {claim.program, claim.citizen_key, claim.status, claim.channel, claim.blockingSince()};
}

}  // namespace

ClaimEngine::ClaimEngine(ClockPtr clock, std::int64_t idempotency_retention_millis,
                         ReplyRenderer renderer, bool render_in_background)
    : clock_(std::move(clock)),
      idempotency_retention_millis_(idempotency_retention_millis),
      renderer_(std::move(renderer)) {
    CG_ASSERT(clock_ != nullptr, "ClaimEngine needs a clock");
    if (render_in_background && renderer_) render_worker_ = std::make_unique<RenderWorker>();
}

ClaimEngine::~ClaimEngine() = default;

void ClaimEngine::beginBatch(bool defer_replies) {
    CG_ASSERT(!defer_replies || render_worker_ != nullptr,
              "deferred replies are rendered by the engine's render thread");
    deferred_.clear();
    deferred_keys_.clear();
    // The render thread is idle between batches (settleDeferredReplies and abandonBatch wait
    // for it), so these are reset with no one reading them.
    deferred_placed_ = 0;
    published_.store(0, std::memory_order_relaxed);
    next_to_render_.store(0, std::memory_order_relaxed);
    defer_replies_ = defer_replies;
    position_ = 0;
    pending_events_count_ = 0;
    marked_events_ = 0;
}

void ClaimEngine::renderOne(LedgerReply& reply) const {
    RenderedReply rendered = renderer_(reply);
    reply.http_status = rendered.http_status;
    reply.body = std::move(rendered.body);
    reply.render_pending = false;
}

void ClaimEngine::renderPublished() {
    // Both threads take entries through next_to_render_, so each is rendered exactly once, by
    // whichever thread is free first.
    for (;;) {
        std::size_t taken = next_to_render_.load(std::memory_order_relaxed);
        do {
            if (taken >= published_.load(std::memory_order_acquire)) return;
        } while (
            !next_to_render_.compare_exchange_weak(taken, taken + 1, std::memory_order_acq_rel));
        renderOne(*to_render_[taken]);
    }
}

void ClaimEngine::replyPlaced(std::vector<LedgerReply>& replies, std::size_t position) {
    if (!defer_replies_ || deferred_placed_ == deferred_.size()) return;
    CG_ASSERT(deferred_.back().position == position && deferred_placed_ + 1 == deferred_.size(),
              "each deferred reply is placed right after the operation that deferred it");
    if (deferred_placed_ == 0 && to_render_.size() < replies.size()) {
        // Sized once per batch, before anything is published: never resized under the reader.
        to_render_.resize(replies.size());
    }
    to_render_.at(deferred_placed_++) = &replies.at(position);
    if (deferred_placed_ - published_.load(std::memory_order_relaxed) < kRenderGroup) return;
    published_.store(deferred_placed_, std::memory_order_release);
    render_worker_->submit([this] { renderPublished(); });
}

void ClaimEngine::abandonBatch() noexcept {
    if (render_worker_ == nullptr) return;
    // Nothing more is taken; the entry being rendered is finished before this returns.
    published_.store(0, std::memory_order_release);
    static_cast<void>(render_worker_->wait());
}

void ClaimEngine::settleDeferredReplies(LedgerStore& store, std::vector<LedgerReply>& replies) {
    CG_ASSERT(defer_replies_, "settling a batch that deferred its replies");
    CG_ASSERT(deferred_placed_ == deferred_.size(), "every deferred reply was placed");
    // What the render thread has not taken yet is rendered here, with its help if enough is left.
    published_.store(deferred_placed_, std::memory_order_release);
    if (deferred_placed_ - next_to_render_.load(std::memory_order_relaxed) >=
        kBackgroundRenderMin) {
        render_worker_->submit([this] { renderPublished(); });
    }
    // A render that throws here leaves the render thread to abandonBatch(), which waits for it
    // before the caller lets go of `replies`.
    renderPublished();
    if (const std::exception_ptr failed = render_worker_->wait()) {
        std::rethrow_exception(failed);
    }
    for (const DeferredReply& deferred : deferred_) {
        const LedgerReply& reply = replies.at(deferred.position);
        // Acknowledged means stored: a keyed reply leaves the batch only with its bytes saved.
        CG_ASSERT(!reply.render_pending && reply.http_status != 0,
                  "a deferred reply is rendered before it is stored");
        store.saveReply(deferred.operator_id, deferred.scope.key,
                        StoredReply{deferred.scope.request_hash, reply.http_status, reply.body},
                        deferred.at);
    }
    for (LedgerReply& reply : replies) {
        if (!reply.replay_of) continue;
        const LedgerReply& original = replies.at(*reply.replay_of);
        reply.http_status = original.http_status;
        reply.body = original.body;
        reply.replay_of.reset();
    }
    deferred_.clear();
    deferred_keys_.clear();
}

LedgerReply ClaimEngine::apply(LedgerStore& store, const LedgerOperation& operation) {
    // The operation's index in the batch: deferred replies are found by it.
    struct NextPosition {
        std::size_t& position;
        ~NextPosition() { ++position; }
    } next_position{position_};
    return std::visit(
        [&](const auto& op) -> LedgerReply {
            using Op = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<Op, HoldOperation>) return hold(store, op);
            if constexpr (std::is_same_v<Op, CommitOperation>) return commit(store, op);
            if constexpr (std::is_same_v<Op, VoidOperation>) return voidClaim(store, op);
            if constexpr (std::is_same_v<Op, ResolveOperation>) return resolve(store, op);
            if constexpr (std::is_same_v<Op, SweepOperation>) return sweep(store);
            if constexpr (std::is_same_v<Op, ImportPayoutOperation>) {
                return importPayout(store, op);
            }
            if constexpr (std::is_same_v<Op, LookupReplyOperation>) {
                return lookupReply(store, op);
            }
        },
        operation);
}

std::optional<LedgerReply> ClaimEngine::checkIdempotency(LedgerStore& store, OperationKind kind,
                                                         const std::string& operator_id,
                                                         const IdempotencyScope& scope) {
    if (defer_replies_) {
        // A retry of an operation earlier in this batch: its reply is not stored yet.
        const auto earlier = deferred_keys_.find(compositeKey(operator_id, scope.key));
        if (earlier != deferred_keys_.end()) {
            const DeferredReply& original = deferred_[earlier->second];
            if (original.scope.request_hash != scope.request_hash) {
                LedgerReply reused = outcomeReply(kind, LedgerOutcome::key_reused);
                reused.ref = scope.key;
                return reused;
            }
            LedgerReply replay = outcomeReply(kind, LedgerOutcome::replayed);
            replay.replay_of = original.position;
            return replay;
        }
    }
    const auto stored = store.findReply(operator_id, scope.key);
    if (!stored) return std::nullopt;
    if (stored->request_hash != scope.request_hash) {
        LedgerReply reused = outcomeReply(kind, LedgerOutcome::key_reused);
        reused.ref = scope.key;
        return reused;
    }
    LedgerReply replay = outcomeReply(kind, LedgerOutcome::replayed);
    replay.http_status = stored->http_status;
    replay.body = stored->body;
    return replay;
}

LedgerReply ClaimEngine::finish(LedgerStore& store, const std::string& operator_id,
                                const IdempotencyScope& scope, LedgerReply reply) {
    // The reply is stored in the same transaction as the change: rendered here, or (deferred)
    // on the render thread and stored at the batch's end (settleDeferredReplies).
    CG_ASSERT(renderer_ != nullptr, "keyed operations need a ReplyRenderer");
    if (defer_replies_) {
        const bool first_use =
            deferred_keys_.emplace(compositeKey(operator_id, scope.key), deferred_.size()).second;
        CG_ASSERT(first_use, "a key seen earlier in the batch is replayed, never stored twice");
        deferred_.push_back(DeferredReply{position_, operator_id, scope, clock_->nowMillis()});
        reply.render_pending = true;
        return reply;
    }
    RenderedReply rendered = renderer_(reply);
    reply.http_status = rendered.http_status;
    reply.body = std::move(rendered.body);
    store.saveReply(operator_id, scope.key,
                    StoredReply{scope.request_hash, reply.http_status, reply.body},
                    clock_->nowMillis());
    return reply;
}

std::int64_t ClaimEngine::adjustInDoubtTotal(LedgerStore& store, std::int64_t delta) {
    // A counter in the database, changed in the same transaction as the claims it counts, so
    // every node sharing the database reads one figure without scanning the claims table.
    const auto stored = store.getMeta(kInDoubtTotalKey);
    std::int64_t total = 0;
    if (stored) {
        total = std::stoll(*stored);
    } else {
        // First use on this ledger (or one written before the counter existed): count once.
        total = store.countClaims(ClaimStatus::in_doubt) - delta;
    }
    if (delta != 0 || !stored) {
        total += delta;
        CG_ASSERT(total >= 0, "the in_doubt counter never goes below zero");
        store.putMeta(kInDoubtTotalKey, std::to_string(total));
    }
    return total;
}

LedgerReply ClaimEngine::lookupReply(LedgerStore& store, const LookupReplyOperation& operation) {
    if (auto seen = checkIdempotency(store, OperationKind::lookup_reply,
                                     operation.terminal.operator_id, operation.idempotency)) {
        return *seen;
    }
    return outcomeReply(OperationKind::lookup_reply, LedgerOutcome::not_found);
}

std::string ClaimEngine::newClaimId() const {
    unsigned char raw[kClaimIdBytes];
    const auto millis = static_cast<std::uint64_t>(clock_->nowMillis());
    for (std::size_t i = 0; i < kClaimIdTimeBytes; ++i) {
        raw[i] = static_cast<unsigned char>(millis >> (8 * (kClaimIdTimeBytes - 1 - i)));
    }
    protocols::fillRandomBytes(raw + kClaimIdTimeBytes, kClaimIdRandomBytes);
    std::string id = "c_";
    id.reserve(2 + kClaimIdBytes * 8 / 5);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char byte : raw) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            id.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31U]);
            bits -= 5;
        }
    }
    return id;
}

namespace {

/// A string JSON writes as it is, between quotes: printable ASCII without quote or backslash.
bool plainJsonString(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
    });
}

std::string claimEventBodyThroughDom(std::int64_t seq, const ClaimRecord& claim,
                                     std::string_view type, std::int64_t at,
                                     const std::string& actor) {
    nlohmann::json body = {{"seq", seq},
                           {"type", type},
                           {"claim_id", claim.claim_id},
                           {"program", claim.program},
                           {"citizen_key", protocols::toHex(claim.citizen_key)},
                           {"status", protocols::claimStatusName(claim.status)},
                           {"channel", protocols::channelName(claim.channel)},
                           {"operator", claim.operator_id},
                           {"terminal_id", claim.terminal_id},
                           {"amount", claim.amount},
                           {"at", at},
                           {"actor", actor}};
    if (claim.terminal_ref) body["terminal_ref"] = *claim.terminal_ref;
    if (claim.reason) body["reason"] = *claim.reason;
    // Optional, so events written before it existed keep their bytes: verification rehashes
    // the stored body, never one rebuilt from the claim (contracts invariant 4).
    if (claim.dispensed_at) body["dispensed_at"] = *claim.dispensed_at;
    return body.dump();
}

}  // namespace

std::string claimEventBody(std::int64_t seq, const ClaimRecord& claim, std::string_view type,
                           std::int64_t at, const std::string& actor) {
    const std::string_view status = protocols::claimStatusName(claim.status);
    const std::string_view channel = protocols::channelName(claim.channel);
    const bool plain = plainJsonString(type) && plainJsonString(claim.claim_id) &&
                       plainJsonString(claim.program) && plainJsonString(status) &&
                       plainJsonString(channel) && plainJsonString(claim.operator_id) &&
                       plainJsonString(claim.terminal_id) && plainJsonString(actor) &&
                       (!claim.terminal_ref || plainJsonString(*claim.terminal_ref)) &&
                       (!claim.reason || plainJsonString(*claim.reason));
    // Anything to escape: the DOM writes it (rare: ids and codes are validated ASCII).
    if (!plain) return claimEventBodyThroughDom(seq, claim, type, at, actor);
    // The same bytes the DOM's dump() writes, without building it (two events per claim on the
    // writer thread): keys in its sorted order, no spaces.
    std::string body;
    body.reserve(384);
    const auto field = [&body](std::string_view key, std::string_view text) {
        body.append(body.size() == 1 ? "\"" : ",\"")
            .append(key)
            .append("\":\"")
            .append(text)
            .push_back('"');
    };
    const auto number = [&body](std::string_view key, std::int64_t value) {
        body.append(body.size() == 1 ? "\"" : ",\"")
            .append(key)
            .append("\":")
            .append(std::to_string(value));
    };
    body.push_back('{');
    field("actor", actor);
    number("amount", claim.amount);
    number("at", at);
    field("channel", channel);
    field("citizen_key", protocols::toHex(claim.citizen_key));
    field("claim_id", claim.claim_id);
    if (claim.dispensed_at) number("dispensed_at", *claim.dispensed_at);
    field("operator", claim.operator_id);
    field("program", claim.program);
    if (claim.reason) field("reason", *claim.reason);
    number("seq", seq);
    field("status", status);
    field("terminal_id", claim.terminal_id);
    if (claim.terminal_ref) field("terminal_ref", *claim.terminal_ref);
    field("type", type);
    body.push_back('}');
    return body;
}

void ClaimEngine::recordEvent(const ClaimRecord& claim, std::string_view type,
                              const std::string& actor) {
    if (pending_events_count_ == pending_events_.size()) pending_events_.emplace_back();
    PendingEvent& slot = pending_events_[pending_events_count_++];
    slot.claim = claim;
    slot.type.assign(type);
    slot.actor = actor;
    slot.at = clock_->nowMillis();
}

void ClaimEngine::appendBatchEvents(LedgerStore& store) {
    if (pending_events_count_ == 0) return;
    const auto last = store.lockChain();
    ChainHead head = last ? ChainHead{last->seq, last->hash} : ChainHead{};
    for (std::size_t i = 0; i < pending_events_count_; ++i) {
        const PendingEvent& pending = pending_events_[i];
        // Chain order: each event links to the one before it; only the first links to the zero
        // hash. A head that breaks this would extend a chain `recon verify` then rejects.
        CG_ASSERT((head.seq == 0) == (head.hash == protocols::Sha256Digest{}),
                  "a chain event links to the head before it");
        linked_event_.seq = head.seq + 1;
        linked_event_.claim_id = pending.claim.claim_id;
        linked_event_.body = claimEventBody(linked_event_.seq, pending.claim, pending.type,
                                            pending.at, pending.actor);
        linked_event_.hash = chainLink(head.hash, linked_event_.body);
        store.appendEvent(linked_event_);
        head = ChainHead{linked_event_.seq, linked_event_.hash};
    }
    pending_events_count_ = 0;
    marked_events_ = 0;
}

LedgerReply ClaimEngine::hold(LedgerStore& store, const HoldOperation& operation) {
    constexpr OperationKind kKind = OperationKind::hold;
    const IdempotencyScope& scope = operation.idempotency;
    const std::string& operator_id = operation.terminal.operator_id;
    if (auto seen = checkIdempotency(store, kKind, operator_id, scope)) return *seen;
    // Another program's claim is invisible to this program's unique index, so these are read
    // first. A citizen blocked in this program too is answered already_claimed, as the insert
    // below would answer.
    for (const auto& excluded_program : operation.excluded_programs) {
        if (auto other = store.findBlockingClaim(excluded_program, operation.citizen_key)) {
            if (auto own = store.findBlockingClaim(operation.program, operation.citizen_key)) {
                return finish(store, operator_id, scope,
                              outcomeReply(kKind, LedgerOutcome::already_claimed, std::move(own)));
            }
            LedgerReply reply = outcomeReply(kKind, LedgerOutcome::excluded, std::move(other));
            reply.excluding_program = excluded_program;
            return finish(store, operator_id, scope, std::move(reply));
        }
    }
    CG_ASSERT(!operation.claim_code.empty(), "the service mints the claim code");
    const std::int64_t now = clock_->nowMillis();
    ClaimRecord claim;
    claim.claim_id = newClaimId();
    claim.claim_code = operation.claim_code;
    claim.program = operation.program;
    claim.citizen_key = operation.citizen_key;
    claim.citizen_mask = operation.citizen_mask;
    claim.channel = operation.terminal.channel;
    claim.operator_id = operator_id;
    claim.terminal_id = operation.terminal.terminal_id;
    claim.amount = operation.amount;
    claim.status = ClaimStatus::held;
    claim.held_at = now;
    claim.expires_at = now + operation.ttl_millis;
    // The insert is the check (invariant 1): the unique indexes refuse a second blocking claim
    // of the citizen in this program and a twin claim code, so a hold that lands, the common
    // case, reads neither first. Only a refusal asks which index refused.
    if (!store.insertClaim(claim)) {
        if (auto blocking = store.findBlockingClaim(operation.program, operation.citizen_key)) {
            return finish(store, operator_id, scope,
                          outcomeReply(kKind, LedgerOutcome::already_claimed, std::move(blocking)));
        }
        if (store.claimCodeExists(operator_id, operation.claim_code)) {
            // 1 in 10^12 per live slip of the operator. Not stored under the key: the retry
            // with the same key reaches the service again and gets a fresh code.
            return outcomeReply(kKind, LedgerOutcome::unavailable);
        }
        throw LedgerStoreError("claim insert refused without a blocking claim or a twin code");
    }
    recordEvent(claim, "held", claim.terminal_id);
    LedgerReply reply = outcomeReply(kKind, LedgerOutcome::created, claim);
    reply.currency = operation.currency;
    reply.index_updates.push_back(indexUpdateFor(claim));
    return finish(store, operator_id, scope, std::move(reply));
}

std::optional<ClaimRecord> ClaimEngine::findClaimForTerminal(LedgerStore& store,
                                                             const TerminalIdentity& terminal,
                                                             const std::string& claim_ref,
                                                             ClaimAction action,
                                                             LedgerReply& refusal) {
    std::optional<ClaimRecord> claim = findClaimByRef(store, terminal.operator_id, claim_ref);
    if (!claim) {
        refusal.outcome = LedgerOutcome::not_found;
        refusal.ref = claim_ref;
        return std::nullopt;
    }
    if (protocols::Status allowed = authorizeClaimAction(*claim, terminal, action); !allowed.ok()) {
        refusal.outcome = claimAccessOutcome(allowed.code());
        if (refusal.outcome == LedgerOutcome::channel_mismatch) refusal.claim = std::move(claim);
        return std::nullopt;
    }
    return claim;
}

LedgerReply ClaimEngine::commit(LedgerStore& store, const CommitOperation& operation) {
    constexpr OperationKind kKind = OperationKind::commit;
    const std::string& operator_id = operation.terminal.operator_id;
    const IdempotencyScope& scope = operation.idempotency;
    if (auto seen = checkIdempotency(store, kKind, operator_id, scope)) return *seen;
    LedgerReply refusal = outcomeReply(kKind, LedgerOutcome::not_found);
    auto claim = findClaimForTerminal(store, operation.terminal, operation.claim_ref,
                                      ClaimAction::commit, refusal);
    if (!claim) return finish(store, operator_id, scope, std::move(refusal));

    if (claim->status == ClaimStatus::voided) {
        return finish(store, operator_id, scope,
                      outcomeReply(kKind, LedgerOutcome::invalid_transition, std::move(claim)));
    }
    if (operation.amount != claim->amount) {
        return finish(store, operator_id, scope,
                      outcomeReply(kKind, LedgerOutcome::amount_mismatch, std::move(claim)));
    }
    if (claim->status == ClaimStatus::paid) {
        // A second commit advice (new key) for a paid claim: commit is idempotent, so answer
        // with the claim as it stands, changing nothing.
        return finish(store, operator_id, scope,
                      outcomeReply(kKind, LedgerOutcome::unchanged, std::move(claim)));
    }
    CG_ASSERT(claim->status == ClaimStatus::held || claim->status == ClaimStatus::in_doubt,
              "only a held or in-doubt claim becomes paid");
    const bool late = claim->status == ClaimStatus::in_doubt;
    claim->status = ClaimStatus::paid;
    claim->paid_at = clock_->nowMillis();
    claim->dispensed_at = operation.dispensed_at;
    claim->terminal_ref = operation.terminal_ref;
    claim->terminal_id =
        claim->channel == Channel::kiosk ? operation.terminal.terminal_id : claim->terminal_id;
    store.updateClaim(*claim);
    recordEvent(*claim, late ? "paid_late" : "paid", operation.terminal.terminal_id);
    LedgerReply reply = outcomeReply(kKind, LedgerOutcome::done, *claim);
    reply.dispense_time_implausible =
        claim->dispensed_at &&
        !protocols::dispenseTimePlausible(*claim->dispensed_at, claim->held_at, *claim->paid_at);
    reply.index_updates.push_back(indexUpdateFor(*claim));
    if (late) reply.in_doubt_total = adjustInDoubtTotal(store, -1);
    return finish(store, operator_id, scope, std::move(reply));
}

LedgerReply ClaimEngine::voidClaim(LedgerStore& store, const VoidOperation& operation) {
    constexpr OperationKind kKind = OperationKind::void_claim;
    const std::string& operator_id = operation.terminal.operator_id;
    const IdempotencyScope& scope = operation.idempotency;
    if (auto seen = checkIdempotency(store, kKind, operator_id, scope)) return *seen;
    LedgerReply refusal = outcomeReply(kKind, LedgerOutcome::not_found);
    auto claim = findClaimForTerminal(store, operation.terminal, operation.claim_ref,
                                      ClaimAction::void_claim, refusal);
    if (!claim) return finish(store, operator_id, scope, std::move(refusal));

    if (claim->status == ClaimStatus::paid) {
        return finish(store, operator_id, scope,
                      outcomeReply(kKind, LedgerOutcome::invalid_transition, std::move(claim)));
    }
    if (claim->status == ClaimStatus::voided) {
        return finish(store, operator_id, scope,
                      outcomeReply(kKind, LedgerOutcome::unchanged, std::move(claim)));
    }
    CG_ASSERT(claim->status == ClaimStatus::held || claim->status == ClaimStatus::in_doubt,
              "only a held or in-doubt claim becomes voided");
    const bool late = claim->status == ClaimStatus::in_doubt;
    claim->status = ClaimStatus::voided;
    claim->voided_at = clock_->nowMillis();
    claim->reason = operation.reason;
    store.updateClaim(*claim);
    recordEvent(*claim, late ? "voided_late" : "voided", operation.terminal.terminal_id);
    LedgerReply reply = outcomeReply(kKind, LedgerOutcome::done, *claim);
    reply.index_updates.push_back(indexUpdateFor(*claim));
    if (late) reply.in_doubt_total = adjustInDoubtTotal(store, -1);
    return finish(store, operator_id, scope, std::move(reply));
}

LedgerReply ClaimEngine::resolve(LedgerStore& store, const ResolveOperation& operation) {
    constexpr OperationKind kKind = OperationKind::resolve;
    auto claim = store.findClaim(operation.claim_id);
    if (!claim) {
        LedgerReply reply = outcomeReply(kKind, LedgerOutcome::not_found);
        reply.ref = operation.claim_id;
        return reply;
    }
    if (claim->status == operation.outcome) {
        // Resolving twice to the same end is a no-op.
        return outcomeReply(kKind, LedgerOutcome::unchanged, std::move(claim));
    }
    // Only in_doubt: a held claim may be mid-dispense at its ATM, and voiding it would re-open
    // a citizen who is being paid right now (issue 8). Holds expire into in_doubt first.
    if (claim->status != ClaimStatus::in_doubt) {
        return outcomeReply(kKind, LedgerOutcome::invalid_transition, std::move(claim));
    }
    const bool was_in_doubt = claim->status == ClaimStatus::in_doubt;
    const std::int64_t now = clock_->nowMillis();
    claim->status = operation.outcome;
    if (operation.outcome == ClaimStatus::paid) {
        // Recon resolves with the settlement row: the payment happened then, not now.
        claim->paid_at = operation.paid_at.value_or(now);
        if (!operation.terminal_ref.empty()) {
            claim->terminal_ref = operation.terminal_ref;
        }
    } else {
        claim->voided_at = now;
    }
    claim->reason = operation.reason;
    store.updateClaim(*claim);
    recordEvent(*claim, "resolved", operation.actor);
    LedgerReply reply = outcomeReply(kKind, LedgerOutcome::done, *claim);
    reply.index_updates.push_back(indexUpdateFor(*claim));
    if (was_in_doubt) reply.in_doubt_total = adjustInDoubtTotal(store, -1);
    return reply;
}

LedgerReply ClaimEngine::sweep(LedgerStore& store) {
    const std::int64_t now = clock_->nowMillis();
    LedgerReply reply = outcomeReply(OperationKind::sweep, LedgerOutcome::done);
    for (auto& claim : store.findExpiredHolds(now, kExpirySweepBatchMax)) {
        CG_ASSERT(claim.status == ClaimStatus::held, "only a held claim expires to in_doubt");
        claim.status = ClaimStatus::in_doubt;
        store.updateClaim(claim);
        recordEvent(claim, "in_doubt", "ttl");
        reply.index_updates.push_back(indexUpdateFor(claim));
        ++reply.expired;
    }
    reply.purged = static_cast<std::int64_t>(
        store.purgeReplies(now - idempotency_retention_millis_, kIdempotencyPurgeBatchMax));
    // Read from the database, not kept per node: every node sharing it reports one figure.
    reply.in_doubt_total = adjustInDoubtTotal(store, reply.expired);
    return reply;
}

LedgerReply ClaimEngine::importPayout(LedgerStore& store, const ImportPayoutOperation& operation) {
    constexpr OperationKind kKind = OperationKind::import_payout;
    const std::string claim_id = "p_" + operation.payout_id;
    if (auto imported = store.findClaim(claim_id)) {
        return outcomeReply(kKind, LedgerOutcome::unchanged, std::move(imported));
    }
    if (auto blocking = store.findBlockingClaim(operation.program, operation.citizen_key)) {
        return outcomeReply(kKind, LedgerOutcome::already_claimed, std::move(blocking));
    }
    ClaimRecord claim;
    claim.claim_id = claim_id;
    claim.claim_code = "P" + operation.payout_id;
    claim.program = operation.program;
    claim.citizen_key = operation.citizen_key;
    claim.citizen_mask = operation.citizen_mask;
    claim.channel = operation.channel;
    claim.operator_id = "PLATFORM";
    claim.terminal_id = "platform";
    claim.amount = operation.amount;
    claim.status = ClaimStatus::paid;
    claim.held_at = operation.paid_at;
    claim.expires_at = operation.paid_at;
    claim.paid_at = operation.paid_at;
    claim.terminal_ref = operation.payout_id;
    if (!store.insertClaim(claim)) {
        // Lost a race to another node's claim for the citizen.
        return outcomeReply(kKind, LedgerOutcome::already_claimed,
                            store.findBlockingClaim(operation.program, operation.citizen_key));
    }
    recordEvent(claim, "imported_payout", "platform");
    LedgerReply reply = outcomeReply(kKind, LedgerOutcome::created, claim);
    reply.index_updates.push_back(indexUpdateFor(claim));
    return reply;
}

nlohmann::json ClaimRecord::toJson() const {
    nlohmann::json body = {{"claim_id", claim_id},
                           {"claim_code", claim_code},
                           {"program", program},
                           {"status", protocols::claimStatusName(status)},
                           {"channel", protocols::channelName(channel)},
                           {"operator", operator_id},
                           {"terminal_id", terminal_id},
                           {"amount", amount},
                           {"citizen_mask", citizen_mask},
                           {"held_at", protocols::formatRfc3339Millis(held_at)},
                           {"expires_at", protocols::formatRfc3339Millis(expires_at)}};
    if (paid_at) body["paid_at"] = protocols::formatRfc3339Millis(*paid_at);
    if (dispensed_at) body["dispensed_at"] = protocols::formatRfc3339Millis(*dispensed_at);
    if (voided_at) body["voided_at"] = protocols::formatRfc3339Millis(*voided_at);
    if (terminal_ref) body["terminal_ref"] = *terminal_ref;
    if (reason) body["reason"] = *reason;
    return body;
}

}  // namespace claimgate::gateway
