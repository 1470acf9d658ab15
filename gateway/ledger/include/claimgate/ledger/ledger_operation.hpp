// File: ledger_operation.hpp
// What a request asks of the ledger writer, and what the writer answers. Operations are plain
// data: everything the engine needs is resolved before enqueueing (roster amount, TTL), so the
// writer never waits on anything but the database. Answers are typed outcomes (ledger_outcome.hpp)
// with the claim they concern; HTTP exists only in the gateway's renderer.
#pragma once

#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/ledger/ledger_outcome.hpp>
#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/terminal_role.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace claimgate::gateway {

/// Who asks: from the terminal's client certificate (contracts §3).
struct TerminalIdentity {
    std::string terminal_id;
    std::string operator_id;
    protocols::Channel channel = protocols::Channel::atm;
    /// The certificate's OU; `channel` follows from it (a POS works in the kiosk channel).
    protocols::TerminalRole role = protocols::TerminalRole::atm;
};

/// The idempotency scope of a state-changing request (contracts invariant 3).
struct IdempotencyScope {
    std::string key;
    protocols::Sha256Digest request_hash{};
};

struct HoldOperation {
    TerminalIdentity terminal;
    IdempotencyScope idempotency;
    std::string program;
    CitizenKey citizen_key{};
    std::string citizen_mask;
    /// The slip code, minted (and MAC-tagged) by the service: the writer holds no keys.
    std::string claim_code;
    std::int64_t amount = 0;
    std::int64_t ttl_millis = 0;
    std::string currency;
    std::vector<std::string> excluded_programs;
};

struct CommitOperation {
    TerminalIdentity terminal;
    IdempotencyScope idempotency;
    std::string claim_ref;  // claim_id or kiosk claim_code
    std::int64_t amount = 0;
    std::string terminal_ref;
    /// The terminal's time of dispense (Unix ms, its clock); unset for older terminals.
    std::optional<std::int64_t> dispensed_at;
};

struct VoidOperation {
    TerminalIdentity terminal;
    IdempotencyScope idempotency;
    std::string claim_ref;
    std::string reason;
};

/// Audited admin resolution of an in-doubt (or held) claim; also used by reconciliation.
struct ResolveOperation {
    std::string claim_id;
    protocols::ClaimStatus outcome = protocols::ClaimStatus::voided;  // paid or voided
    std::string reason;
    std::string actor;
    /// Evidence of a `paid` resolution (the settlement row): when and under which reference
    /// the terminal paid. Unset: the time of resolving and no reference (admin resolve).
    std::optional<std::int64_t> paid_at;
    std::string terminal_ref;
};

/// Housekeeping: held past TTL -> in_doubt; purge idempotency replies past retention.
struct SweepOperation {};

/// A payout made by another channel (direct deposit, ...), imported from the platform so
/// terminals refuse those people: recorded as a paid claim of that channel.
struct ImportPayoutOperation {
    std::string program;
    CitizenKey citizen_key{};
    std::string citizen_mask;
    protocols::Channel channel = protocols::Channel::direct_deposit;
    std::int64_t amount = 0;
    std::int64_t paid_at = 0;
    std::string payout_id;
};

/// Replay first (contracts invariant 3): a keyed request the service would refuse on its own
/// rules (program window, roster, channel) asks the ledger whether its key is known before it is
/// refused, so a retry gets its stored reply, not a fresh evaluation. Writes nothing.
struct LookupReplyOperation {
    TerminalIdentity terminal;
    IdempotencyScope idempotency;
};

using LedgerOperation =
    std::variant<HoldOperation, CommitOperation, VoidOperation, ResolveOperation, SweepOperation,
                 ImportPayoutOperation, LookupReplyOperation>;

/// The kind of an operation (the variant's alternatives are in OperationKind's order).
[[nodiscard]] inline OperationKind operationKind(const LedgerOperation& operation) {
    static_assert(std::variant_size_v<LedgerOperation> ==
                  static_cast<std::size_t>(OperationKind::lookup_reply) + 1);
    return static_cast<OperationKind>(operation.index());
}

/// A change the in-memory eligibility index must mirror once the batch is durable.
struct IndexUpdate {
    std::string program;
    CitizenKey citizen_key{};
    protocols::ClaimStatus status = protocols::ClaimStatus::none;
    protocols::Channel channel = protocols::Channel::atm;
    std::int64_t since_millis = 0;
};

/// What the ledger did with one operation.
struct LedgerReply {
    OperationKind kind = OperationKind::read_claim;
    LedgerOutcome outcome = LedgerOutcome::unavailable;
    /// The claim as it stands after the operation; for already_claimed and excluded the claim
    /// that blocks the citizen.
    std::optional<ClaimRecord> claim;
    /// not_found: the reference asked for; key_reused: the key.
    std::string ref;
    /// excluded: the program whose claim excludes this one.
    std::string excluding_program;
    /// hold: the program's currency (for the reply).
    std::string currency;
    /// sweep: holds moved to in_doubt, replies purged.
    std::int64_t expired = 0;
    std::int64_t purged = 0;
    /// sweep: in_doubt claims in the database after it (cluster-wide, for the gauge).
    std::optional<std::int64_t> in_doubt_total;
    /// commit: the terminal's dispense time was stored but is implausible (dispense_time.hpp),
    /// so business dates use paid_at; the gateway counts these.
    bool dispense_time_implausible = false;
    /// The rendered reply (the renderer's bytes for a keyed operation, which is what the
    /// idempotency table stores; the stored bytes on replay). 0 = not rendered yet.
    int http_status = 0;
    std::string body;
    std::vector<IndexUpdate> index_updates;
    /// Inside a batch with deferred replies (ClaimEngine::beginBatch): a keyed reply still to
    /// be rendered and stored, or a replay of the batch's own operation at this position. Both
    /// are settled before runBatch returns.
    bool render_pending = false;
    std::optional<std::size_t> replay_of;
};

/// The bytes the idempotency table keeps for a keyed operation.
struct RenderedReply {
    int http_status = 0;
    std::string body;
};

/// Turns an outcome into the reply a terminal sees. The gateway's service layer owns the only
/// one (contracts §5); the engine calls it for keyed operations because their reply is stored
/// in the same transaction as the change.
using ReplyRenderer = std::function<RenderedReply(const LedgerReply&)>;

}  // namespace claimgate::gateway
