#include <claimgate/ledger/claim_engine.hpp>

#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/error_code.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/messages.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <openssl/rand.h>

#include <stdexcept>

namespace claimgate::gateway {
namespace {

using protocols::Channel;
using protocols::ClaimStatus;
using protocols::ErrorCode;
using protocols::Status;

// Claim ids: 48 bits of milliseconds then 72 random bits, in a base32 alphabet whose symbols
// are in ASCII order, so ids sort by time. New rows then land on the rightmost pages of the
// claims B-tree instead of random ones: fewer dirty pages per group commit.
constexpr char kBase32Alphabet[] = "234567abcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kClaimIdTimeBytes = 6;
constexpr std::size_t kClaimIdRandomBytes = 9;
constexpr std::size_t kClaimIdBytes = kClaimIdTimeBytes + kClaimIdRandomBytes;  // 24 characters
static_assert(kClaimIdBytes * 8 % 5 == 0, "claim ids must encode without padding");
constexpr std::uint64_t kClaimCodeModulus = 10'000'000'000ULL;  // 10 digits on the slip
constexpr int kClaimCodeAttemptsMax = 16;

void randomBytes(unsigned char* out, std::size_t size) {
    if (RAND_bytes(out, static_cast<int>(size)) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
}

LedgerReply errorReply(const Status& status) {
    LedgerReply reply;
    reply.http_status = status.httpStatus();
    reply.body = protocols::encodeErrorEnvelope(status);
    return reply;
}

LedgerReply jsonReply(int http_status, const nlohmann::json& body) {
    LedgerReply reply;
    reply.http_status = http_status;
    reply.body = body.dump();
    return reply;
}

nlohmann::json blockingDetail(const ClaimRecord& claim) {
    return {{"status", protocols::claimStatusName(claim.status)},
            {"channel", protocols::channelName(claim.channel)},
            {"at", protocols::formatRfc3339Millis(claim.blockingSince())}};
}

IndexUpdate indexUpdateFor(const ClaimRecord& claim) {
    return {claim.program, claim.citizen_key, claim.status, claim.channel,
            claim.blockingSince()};
}

}  // namespace

ClaimEngine::ClaimEngine(ClockPtr clock, std::shared_ptr<protocols::EcdsaSigner> receipt_signer,
                         std::int64_t idempotency_retention_millis)
    : clock_(std::move(clock)),
      receipt_signer_(std::move(receipt_signer)),
      idempotency_retention_millis_(idempotency_retention_millis) {
    CG_ASSERT(clock_ != nullptr, "ClaimEngine needs a clock");
}

void ClaimEngine::beginBatch(LedgerStore& store) {
    const auto last = store.lastEvent();
    head_ = last ? ChainHead{last->seq, last->hash} : ChainHead{};
    saved_head_ = head_;
}

LedgerReply ClaimEngine::apply(LedgerStore& store, const LedgerOperation& operation) {
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
            if constexpr (std::is_same_v<Op, ReadClaimOperation>) return readClaim(store, op);
        },
        operation);
}

std::optional<LedgerReply> ClaimEngine::checkIdempotency(LedgerStore& store,
                                                         const std::string& operator_id,
                                                         const IdempotencyScope& scope) {
    const auto stored = store.findReply(operator_id, scope.key);
    if (!stored) return std::nullopt;
    if (stored->request_hash != scope.request_hash) {
        return errorReply(Status(ErrorCode::idempotency_key_reused,
                                 "Idempotency-Key was already used for a different request",
                                 {{"key", scope.key}}));
    }
    LedgerReply replay;
    replay.http_status = stored->http_status;
    replay.body = stored->body;
    return replay;
}

LedgerReply ClaimEngine::finish(LedgerStore& store, const std::string& operator_id,
                                const IdempotencyScope& scope, LedgerReply reply) {
    store.saveReply(operator_id, scope.key,
                    StoredReply{scope.request_hash, reply.http_status, reply.body},
                    clock_->nowMillis());
    return reply;
}

std::string ClaimEngine::newClaimId() const {
    unsigned char raw[kClaimIdBytes];
    const auto millis = static_cast<std::uint64_t>(clock_->nowMillis());
    for (std::size_t i = 0; i < kClaimIdTimeBytes; ++i) {
        raw[i] = static_cast<unsigned char>(millis >> (8 * (kClaimIdTimeBytes - 1 - i)));
    }
    randomBytes(raw + kClaimIdTimeBytes, kClaimIdRandomBytes);
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

std::string ClaimEngine::newClaimCode(LedgerStore& store, const std::string& operator_id) const {
    for (int attempt = 0; attempt < kClaimCodeAttemptsMax; ++attempt) {
        std::uint64_t random = 0;
        randomBytes(reinterpret_cast<unsigned char*>(&random), sizeof random);
        std::string code = std::to_string(random % kClaimCodeModulus);
        code.insert(0, 10 - code.size(), '0');
        if (!store.claimCodeExists(operator_id, code)) return code;
    }
    throw LedgerStoreError("could not find a free claim code");
}

void ClaimEngine::appendEvent(LedgerStore& store, const ClaimRecord& claim,
                              std::string_view type, const std::string& actor) {
    nlohmann::json body = {{"seq", head_.seq + 1},
                           {"type", type},
                           {"claim_id", claim.claim_id},
                           {"program", claim.program},
                           {"citizen_key", protocols::toHex(claim.citizen_key)},
                           {"status", protocols::claimStatusName(claim.status)},
                           {"channel", protocols::channelName(claim.channel)},
                           {"operator", claim.operator_id},
                           {"terminal_id", claim.terminal_id},
                           {"amount", claim.amount},
                           {"at", clock_->nowMillis()},
                           {"actor", actor}};
    if (claim.terminal_ref) body["terminal_ref"] = *claim.terminal_ref;
    if (claim.reason) body["reason"] = *claim.reason;
    ClaimEvent event;
    event.seq = head_.seq + 1;
    event.claim_id = claim.claim_id;
    event.body = body.dump();
    event.hash = chainLink(head_.hash, event.body);
    // Chain order: each event links to the one before it; only the first links to the zero
    // hash. A head that breaks this would extend a chain `recon verify` then rejects.
    CG_ASSERT(event.seq == head_.seq + 1 &&
                  (head_.seq == 0) == (head_.hash == protocols::Sha256Digest{}),
              "a chain event links to the head before it");
    store.appendEvent(event);
    head_ = ChainHead{event.seq, event.hash};
}

std::string ClaimEngine::receiptPayload(const ClaimRecord& claim) {
    const nlohmann::json payload = {
        {"claim_id", claim.claim_id},
        {"program", claim.program},
        {"amount", claim.amount},
        {"channel", protocols::channelName(claim.channel)},
        {"terminal_id", claim.terminal_id},
        {"paid_at", protocols::formatRfc3339Millis(claim.paid_at.value_or(0))},
        {"citizen_mask", claim.citizen_mask}};
    return payload.dump();
}

nlohmann::json ClaimEngine::signedReceipt(const ClaimRecord& claim) const {
    const std::string payload = receiptPayload(claim);
    nlohmann::json receipt = nlohmann::json::parse(payload);
    receipt["sig"] = receipt_signer_ ? receipt_signer_->signBase64(payload) : std::string();
    return receipt;
}

LedgerReply ClaimEngine::hold(LedgerStore& store, const HoldOperation& operation) {
    if (auto seen = checkIdempotency(store, operation.terminal.operator_id,
                                     operation.idempotency)) {
        return *seen;
    }
    const IdempotencyScope& scope = operation.idempotency;
    const std::string& operator_id = operation.terminal.operator_id;
    if (const auto blocking = store.findBlockingClaim(operation.program, operation.citizen_key)) {
        return finish(store, operator_id, scope,
                      errorReply(Status(ErrorCode::already_claimed,
                                        "this citizen already has a claim for the program",
                                        blockingDetail(*blocking))));
    }
    for (const auto& excluded_program : operation.excluded_programs) {
        if (const auto other = store.findBlockingClaim(excluded_program, operation.citizen_key)) {
            nlohmann::json detail = blockingDetail(*other);
            detail["program"] = excluded_program;
            return finish(store, operator_id, scope,
                          errorReply(Status(ErrorCode::excluded,
                                            "payees of " + excluded_program +
                                                " may not claim this program",
                                            detail)));
        }
    }
    const std::int64_t now = clock_->nowMillis();
    ClaimRecord claim;
    claim.claim_id = newClaimId();
    claim.claim_code = newClaimCode(store, operator_id);
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
    if (!store.insertClaim(claim)) {
        // Another node won the race between our lookup and insert: the unique index decided.
        const auto winner = store.findBlockingClaim(operation.program, operation.citizen_key);
        if (!winner) throw LedgerStoreError("claim insert refused without a blocking claim");
        return finish(store, operator_id, scope,
                      errorReply(Status(ErrorCode::already_claimed,
                                        "this citizen already has a claim for the program",
                                        blockingDetail(*winner))));
    }
    appendEvent(store, claim, "held", claim.terminal_id);
    LedgerReply reply = jsonReply(201, {{"claim_id", claim.claim_id},
                                        {"claim_code", claim.claim_code},
                                        {"status", "held"},
                                        {"program", claim.program},
                                        {"channel", protocols::channelName(claim.channel)},
                                        {"amount", claim.amount},
                                        {"currency", operation.currency},
                                        {"expires_at",
                                         protocols::formatRfc3339Millis(claim.expires_at)}});
    reply.index_updates.push_back(indexUpdateFor(claim));
    return finish(store, operator_id, scope, std::move(reply));
}

std::optional<ClaimRecord> ClaimEngine::findClaimForTerminal(LedgerStore& store,
                                                             const TerminalIdentity& terminal,
                                                             const std::string& claim_ref,
                                                             LedgerReply& refusal) {
    std::optional<ClaimRecord> claim = claim_ref.rfind("c_", 0) == 0
                                           ? store.findClaim(claim_ref)
                                           : store.findClaimByCode(terminal.operator_id,
                                                                   claim_ref);
    if (!claim) {
        refusal = errorReply(Status(ErrorCode::unknown_claim, "no such claim",
                                    {{"claim", claim_ref}}));
        return std::nullopt;
    }
    if (claim->operator_id != terminal.operator_id) {
        // Same answer shape as unknown would leak existence; a 403 is what contracts §5 asks.
        refusal = errorReply(Status(ErrorCode::operator_mismatch,
                                    "the claim belongs to another operator"));
        return std::nullopt;
    }
    if (claim->channel != terminal.channel) {
        refusal = errorReply(Status(ErrorCode::channel_mismatch,
                                    "the claim was made on another channel",
                                    {{"channel", protocols::channelName(claim->channel)}}));
        return std::nullopt;
    }
    return claim;
}

LedgerReply ClaimEngine::commit(LedgerStore& store, const CommitOperation& operation) {
    const std::string& operator_id = operation.terminal.operator_id;
    if (auto seen = checkIdempotency(store, operator_id, operation.idempotency)) return *seen;
    LedgerReply refusal;
    auto claim = findClaimForTerminal(store, operation.terminal, operation.claim_ref, refusal);
    if (!claim) return finish(store, operator_id, operation.idempotency, std::move(refusal));

    if (claim->status == ClaimStatus::voided) {
        return finish(store, operator_id, operation.idempotency,
                      errorReply(Status(ErrorCode::invalid_transition,
                                        "the claim was voided and cannot be paid",
                                        {{"status", "voided"}})));
    }
    if (operation.amount != claim->amount) {
        return finish(store, operator_id, operation.idempotency,
                      errorReply(Status(ErrorCode::amount_mismatch,
                                        "amount differs from the held amount",
                                        {{"expected", claim->amount}})));
    }
    if (claim->status == ClaimStatus::paid) {
        // A second commit advice (new key) for a paid claim: commit is idempotent, so answer
        // with the claim as it stands, changing nothing.
        return finish(store, operator_id, operation.idempotency,
                      jsonReply(200, {{"claim_id", claim->claim_id},
                                      {"status", "paid"},
                                      {"receipt", signedReceipt(*claim)}}));
    }
    CG_ASSERT(claim->status == ClaimStatus::held || claim->status == ClaimStatus::in_doubt,
              "only a held or in-doubt claim becomes paid");
    const bool late = claim->status == ClaimStatus::in_doubt;
    claim->status = ClaimStatus::paid;
    claim->paid_at = clock_->nowMillis();
    claim->terminal_ref = operation.terminal_ref;
    claim->terminal_id = claim->channel == Channel::kiosk ? operation.terminal.terminal_id
                                                          : claim->terminal_id;
    store.updateClaim(*claim);
    appendEvent(store, *claim, late ? "paid_late" : "paid", operation.terminal.terminal_id);
    LedgerReply reply = jsonReply(200, {{"claim_id", claim->claim_id},
                                        {"status", "paid"},
                                        {"receipt", signedReceipt(*claim)}});
    reply.index_updates.push_back(indexUpdateFor(*claim));
    reply.in_doubt_delta = late ? -1 : 0;
    return finish(store, operator_id, operation.idempotency, std::move(reply));
}

LedgerReply ClaimEngine::voidClaim(LedgerStore& store, const VoidOperation& operation) {
    const std::string& operator_id = operation.terminal.operator_id;
    if (auto seen = checkIdempotency(store, operator_id, operation.idempotency)) return *seen;
    LedgerReply refusal;
    auto claim = findClaimForTerminal(store, operation.terminal, operation.claim_ref, refusal);
    if (!claim) return finish(store, operator_id, operation.idempotency, std::move(refusal));

    if (claim->status == ClaimStatus::paid) {
        return finish(store, operator_id, operation.idempotency,
                      errorReply(Status(ErrorCode::invalid_transition,
                                        "the claim is paid and cannot be voided",
                                        {{"status", "paid"}})));
    }
    if (claim->status == ClaimStatus::voided) {
        return finish(store, operator_id, operation.idempotency,
                      jsonReply(200, {{"claim_id", claim->claim_id}, {"status", "voided"}}));
    }
    CG_ASSERT(claim->status == ClaimStatus::held || claim->status == ClaimStatus::in_doubt,
              "only a held or in-doubt claim becomes voided");
    const bool late = claim->status == ClaimStatus::in_doubt;
    claim->status = ClaimStatus::voided;
    claim->voided_at = clock_->nowMillis();
    claim->reason = operation.reason;
    store.updateClaim(*claim);
    appendEvent(store, *claim, late ? "voided_late" : "voided", operation.terminal.terminal_id);
    LedgerReply reply = jsonReply(200, {{"claim_id", claim->claim_id}, {"status", "voided"}});
    reply.index_updates.push_back(indexUpdateFor(*claim));
    reply.in_doubt_delta = late ? -1 : 0;
    return finish(store, operator_id, operation.idempotency, std::move(reply));
}

LedgerReply ClaimEngine::resolve(LedgerStore& store, const ResolveOperation& operation) {
    auto claim = store.findClaim(operation.claim_id);
    if (!claim) {
        return errorReply(Status(ErrorCode::unknown_claim, "no such claim",
                                 {{"claim", operation.claim_id}}));
    }
    if (claim->status == operation.outcome) {
        return jsonReply(200, claim->toJson());  // resolving twice to the same end is a no-op
    }
    if (claim->status != ClaimStatus::held && claim->status != ClaimStatus::in_doubt) {
        return errorReply(Status(ErrorCode::invalid_transition,
                                 "only held or in_doubt claims can be resolved",
                                 {{"status", protocols::claimStatusName(claim->status)}}));
    }
    const bool was_in_doubt = claim->status == ClaimStatus::in_doubt;
    const std::int64_t now = clock_->nowMillis();
    claim->status = operation.outcome;
    if (operation.outcome == ClaimStatus::paid) {
        claim->paid_at = now;
    } else {
        claim->voided_at = now;
    }
    claim->reason = operation.reason;
    store.updateClaim(*claim);
    appendEvent(store, *claim, "resolved", operation.actor);
    LedgerReply reply = jsonReply(200, claim->toJson());
    reply.index_updates.push_back(indexUpdateFor(*claim));
    reply.in_doubt_delta = was_in_doubt ? -1 : 0;
    return reply;
}

LedgerReply ClaimEngine::sweep(LedgerStore& store) {
    const std::int64_t now = clock_->nowMillis();
    LedgerReply reply;
    std::int64_t expired = 0;
    for (auto& claim : store.findExpiredHolds(now, kExpirySweepBatchMax)) {
        CG_ASSERT(claim.status == ClaimStatus::held, "only a held claim expires to in_doubt");
        claim.status = ClaimStatus::in_doubt;
        store.updateClaim(claim);
        appendEvent(store, claim, "in_doubt", "ttl");
        reply.index_updates.push_back(indexUpdateFor(claim));
        ++expired;
    }
    const std::size_t purged =
        store.purgeReplies(now - idempotency_retention_millis_, kIdempotencyPurgeBatchMax);
    reply.http_status = 200;
    reply.in_doubt_delta = expired;
    reply.body = nlohmann::json{{"expired", expired}, {"purged", purged}}.dump();
    return reply;
}

LedgerReply ClaimEngine::importPayout(LedgerStore& store,
                                      const ImportPayoutOperation& operation) {
    const std::string claim_id = "p_" + operation.payout_id;
    if (const auto imported = store.findClaim(claim_id)) {
        return jsonReply(200, imported->toJson());  // imported before: idempotent
    }
    if (const auto blocking = store.findBlockingClaim(operation.program, operation.citizen_key)) {
        return errorReply(Status(ErrorCode::already_claimed,
                                 "citizen already has a blocking claim",
                                 blockingDetail(*blocking)));
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
        return errorReply(Status(ErrorCode::already_claimed, "lost a race to another claim"));
    }
    appendEvent(store, claim, "imported_payout", "platform");
    LedgerReply reply = jsonReply(201, claim.toJson());
    reply.index_updates.push_back(indexUpdateFor(claim));
    return reply;
}

LedgerReply ClaimEngine::readClaim(LedgerStore& store, const ReadClaimOperation& operation) {
    const std::string& ref = operation.claim_ref;
    const auto claim = ref.rfind("c_", 0) == 0 || ref.rfind("p_", 0) == 0
                           ? store.findClaim(ref)
                           : store.findClaimByCode(operation.terminal.operator_id, ref);
    if (!claim) {
        return errorReply(Status(ErrorCode::unknown_claim, "no such claim", {{"claim", ref}}));
    }
    if (claim->operator_id != operation.terminal.operator_id) {
        return errorReply(
            Status(ErrorCode::operator_mismatch, "the claim belongs to another operator"));
    }
    return jsonReply(200, claim->toJson());
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
    if (voided_at) body["voided_at"] = protocols::formatRfc3339Millis(*voided_at);
    if (terminal_ref) body["terminal_ref"] = *terminal_ref;
    if (reason) body["reason"] = *reason;
    return body;
}

}  // namespace claimgate::gateway
