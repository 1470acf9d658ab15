// File: ledger_operation.hpp
// What a request asks of the ledger writer, and what the writer answers. Operations are plain
// data: everything the engine needs is resolved before enqueueing (roster amount, TTL), so the
// writer never waits on anything but the database.
#pragma once

#include <claimgate/ledger/claim_record.hpp>
#include <claimgate/protocols/domain.hpp>

#include <cstdint>
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

/// GET /v1/claims/{id}: read through the writer so it sees exactly what was acknowledged.
struct ReadClaimOperation {
    TerminalIdentity terminal;
    std::string claim_ref;
};

using LedgerOperation =
    std::variant<HoldOperation, CommitOperation, VoidOperation, ResolveOperation, SweepOperation,
                 ImportPayoutOperation, ReadClaimOperation>;

/// A change the in-memory eligibility index must mirror once the batch is durable.
struct IndexUpdate {
    std::string program;
    CitizenKey citizen_key{};
    protocols::ClaimStatus status = protocols::ClaimStatus::none;
    protocols::Channel channel = protocols::Channel::atm;
    std::int64_t since_millis = 0;
};

struct LedgerReply {
    int http_status = 500;
    std::string body;
    std::vector<IndexUpdate> index_updates;
    /// in_doubt count delta, for the metric.
    std::int64_t in_doubt_delta = 0;
};

}  // namespace claimgate::gateway
