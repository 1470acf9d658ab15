// File: claim_service.hpp
// The gateway's application layer: turns an authenticated terminal's request into a reply.
// Read-only questions are answered from the in-memory index; state changes go through the
// group-committed ledger and are answered only once durable. HTTP-free, so the same rules
// serve the TLS listener, the loopback bench listener and tests.
#pragma once

#include <claimgate/gateway/claim_reply_renderer.hpp>
#include <claimgate/ledger/clock.hpp>
#include <claimgate/protocols/citizen_keys.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/messages.hpp>

#include <claimgate/gateway/claim_code_authority.hpp>
#include <claimgate/gateway/claim_reader.hpp>
#include <claimgate/gateway/eligibility_index.hpp>
#include <claimgate/gateway/failed_lookup_limiter.hpp>
#include <claimgate/gateway/metrics.hpp>
#include <claimgate/ledger/claim_access.hpp>
#include <claimgate/ledger/group_committer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace claimgate::gateway {

struct ServiceReply {
    int http_status = 200;
    std::string body;
    int retry_after_s = 0;  // > 0 adds Retry-After
};

class ClaimService {
public:
    /// `reader` serves GET /v1/claims/{id} off the ledger writer; `receipt_signer` signs the
    /// receipt a GET of a paid claim carries for a reprint (nullptr: empty "sig").
    ClaimService(EligibilityIndex& index, GroupCommitter& ledger, ClaimReader& reader,
                 ClockPtr clock, std::string pepper,
                 std::shared_ptr<protocols::EcdsaSigner> receipt_signer, Metrics& metrics,
                 std::chrono::milliseconds ledger_wait_max = std::chrono::seconds(30));

    ServiceReply listPrograms(const TerminalIdentity& terminal) const;
    ServiceReply eligibility(const TerminalIdentity& terminal, std::string_view body) const;
    /// How a state-changing request is answered. Called exactly once: inline when the request
    /// is refused before reaching the ledger (bad input, rules, queue full), otherwise on the
    /// ledger writer thread once the change is durable. It must not block: an event-driven
    /// front end posts the reply to its connection and returns.
    using ReplyHandler = std::function<void(ServiceReply)>;

    // The asynchronous claim path: nothing waits for the ledger writer.
    void hold(const TerminalIdentity& terminal, const std::optional<std::string>& key,
              std::string_view body, ReplyHandler done);
    void commit(const TerminalIdentity& terminal, const std::optional<std::string>& key,
                const std::string& claim_ref, std::string_view body, ReplyHandler done);
    void voidClaim(const TerminalIdentity& terminal, const std::optional<std::string>& key,
                   const std::string& claim_ref, std::string_view body, ReplyHandler done);
    void getClaim(const TerminalIdentity& terminal, const std::string& claim_ref,
                  ReplyHandler done);
    /// Admin: audited resolution of an in-doubt claim.
    void resolve(const std::string& claim_id, std::string_view body, const std::string& actor,
                 ReplyHandler done);

    // Blocking forms of the calls above (thread-per-request listeners, CLI, tests): they wait
    // at most `ledger_wait_max`, then answer 503 not_ready while the operation stays queued.
    ServiceReply hold(const TerminalIdentity& terminal, const std::optional<std::string>& key,
                      std::string_view body);
    ServiceReply commit(const TerminalIdentity& terminal, const std::optional<std::string>& key,
                        const std::string& claim_ref, std::string_view body);
    ServiceReply voidClaim(const TerminalIdentity& terminal, const std::optional<std::string>& key,
                           const std::string& claim_ref, std::string_view body);
    ServiceReply getClaim(const TerminalIdentity& terminal, const std::string& claim_ref);
    ServiceReply resolve(const std::string& claim_id, std::string_view body,
                         const std::string& actor);
    /// Runs one expiry sweep now and waits for it (the timer thread and tests use this).
    ServiceReply sweepNow();

private:
    struct Decision {
        protocols::Status refusal;  // ok = eligible
        std::shared_ptr<const ProgramIndex> program;
        std::optional<RosterView> roster;
        CitizenKey citizen_key{};
        bool identified = false;  // on the roster, and proxy and NHI card checks passed
    };
    Decision evaluate(const TerminalIdentity& terminal,
                      const protocols::ClaimantRequest& request) const;
    /// The citizen (or their proxy) proves who they are: proxy rules and the NHI card number.
    protocols::Status identify(const TerminalIdentity& terminal,
                               const protocols::ClaimantRequest& request,
                               const RosterView& roster) const;
    /// How a ledger reply becomes the service's answer; empty = serviceReply().
    using Answer = std::function<ServiceReply(LedgerReply)>;
    void submit(LedgerOperation operation, ReplyHandler done, Answer answer = {});
    /// Answers `refusal` unless the request's Idempotency-Key is already stored, in which case
    /// the stored reply (or key_reused) is the answer (contracts invariant 3).
    void refuseUnlessReplay(const TerminalIdentity& terminal, IdempotencyScope scope,
                            ServiceReply refusal, ReplyHandler done);
    [[nodiscard]] ServiceReply serviceReply(LedgerReply reply) const;
    /// Commit or void by claim id or slip code: the failed-lookup limit and the code's MAC are
    /// checked before the ledger sees the request; an unknown claim counts as a failure.
    void submitClaimChange(const TerminalIdentity& terminal, const std::string& key,
                           const std::string& claim_ref, LedgerOperation operation,
                           ReplyHandler done);
    /// nullopt when `terminal` may look `claim_ref` up; else the refusal (429, or 404 for a
    /// code this deployment never minted, which also counts as a failed lookup).
    std::optional<ServiceReply> screenLookup(const TerminalIdentity& terminal,
                                             const std::string& claim_ref);
    /// Counts 404 (unknown claim) and 403 (not this terminal's to touch) as failed lookups.
    void noteLookupOutcome(const TerminalIdentity& terminal, const ServiceReply& reply);
    /// submit() under the in-flight guard of the request's Idempotency-Key.
    void submitKeyed(const TerminalIdentity& terminal, const std::string& key,
                     LedgerOperation operation, ReplyHandler done, Answer answer = {});
    ServiceReply waitFor(const std::function<void(ReplyHandler)>& start);
    std::optional<ServiceReply> checkKey(const std::optional<std::string>& key) const;
    protocols::Sha256Digest requestHash(std::string_view route,
                                        const nlohmann::json& canonical) const {
        return keys_.requestHash(route, canonical.dump());
    }

    /// Marks (operator, key) as in flight; false if it already is (-> claim_in_progress).
    bool enterKey(const std::string& scoped_key);
    void leaveKey(const std::string& scoped_key);

    EligibilityIndex& index_;
    GroupCommitter& ledger_;
    ClaimReader& reader_;
    ClockPtr clock_;
    protocols::CitizenKeys keys_;
    ClaimCodeAuthority claim_codes_;
    FailedLookupLimiter failed_lookups_;
    Metrics& metrics_;
    std::chrono::milliseconds ledger_wait_max_;
    /// Renders what the ledger did not (non-keyed operations, failures) and claim reads, whose
    /// paid claims carry a signed receipt for a reprint.
    ClaimReplyRenderer renderer_;
    std::mutex in_flight_mutex_;
    std::unordered_set<std::string> in_flight_keys_;
};

/// 16-hex-digit error envelope helper for the HTTP layer.
ServiceReply errorServiceReply(const protocols::Status& status);

}  // namespace claimgate::gateway
