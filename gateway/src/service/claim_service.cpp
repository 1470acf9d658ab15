#include <claimgate/gateway/claim_service.hpp>

#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/json_object_writer.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/terminal_role.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <algorithm>
#include <future>
#include <memory>

namespace claimgate::gateway {
namespace {

using protocols::ClaimBy;
using protocols::ClaimStatus;
using protocols::ErrorCode;
using protocols::Status;

constexpr int kOverloadedRetryAfterSeconds = 1;
/// After a ledger write failure: the database may be back at once (a restart takes seconds).
constexpr int kNotReadyRetryAfterSeconds = 1;
/// Room for the longest eligibility answer (a claim with its time and channel) in one
/// allocation: about 170 bytes with a program id and reason of common length.
constexpr std::size_t kEligibilityReplyBytesTypical = 256;

ServiceReply jsonServiceReply(int http_status, const nlohmann::json& body) {
    return ServiceReply{http_status, body.dump(), 0};
}

}  // namespace

ServiceReply errorServiceReply(const Status& status) {
    ServiceReply reply{status.httpStatus(), protocols::encodeErrorEnvelope(status), 0};
    if (status.code() == ErrorCode::overloaded) reply.retry_after_s = kOverloadedRetryAfterSeconds;
    if (status.code() == ErrorCode::too_many_failed_lookups) {
        reply.retry_after_s = status.detail().value("retry_after_s", 1);
    }
    if (status.code() == ErrorCode::not_ready) reply.retry_after_s = 5;
    return reply;
}

ClaimService::ClaimService(EligibilityIndex& index, GroupCommitter& ledger, ClaimReader& reader,
                           ClockPtr clock, std::string pepper,
                           std::shared_ptr<protocols::EcdsaSigner> receipt_signer, Metrics& metrics,
                           std::chrono::milliseconds ledger_wait_max)
    : index_(index),
      ledger_(ledger),
      reader_(reader),
      clock_(std::move(clock)),
      keys_(pepper),
      claim_codes_(pepper),
      failed_lookups_(clock_),
      metrics_(metrics),
      ledger_wait_max_(ledger_wait_max),
      renderer_(std::move(receipt_signer)) {}

ServiceReply ClaimService::listPrograms(const TerminalIdentity& terminal) const {
    const std::int64_t now = clock_->nowMillis();
    nlohmann::json list = nlohmann::json::array();
    auto programs = index_.programs();
    std::sort(programs.begin(), programs.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& program : programs) {
        if (program.allowsChannel(terminal.channel) && program.isOpenAt(now)) {
            list.push_back(program.toJson());
        }
    }
    return jsonServiceReply(200, {{"programs", list}});
}

ClaimService::Decision ClaimService::evaluate(const TerminalIdentity& terminal,
                                              const protocols::ClaimantRequest& request) const {
    Decision decision;
    if (!protocols::roleMayReserve(terminal.role)) {
        // A POS till only pays the slips kiosks print; asking about or reserving for a citizen
        // is the kiosk's job (contracts §3).
        decision.refusal =
            Status(ErrorCode::role_not_allowed, "this terminal's role may not check or reserve",
                   {{"role", protocols::terminalRoleName(terminal.role)}});
        return decision;
    }
    if (request.channel != terminal.channel) {
        decision.refusal =
            Status(ErrorCode::channel_mismatch, "channel differs from the terminal certificate",
                   {{"certificate_channel", protocols::channelName(terminal.channel)}});
        return decision;
    }
    decision.program = index_.program(request.program);
    if (!decision.program) {
        decision.refusal =
            Status(ErrorCode::unknown_program, "no such program", {{"program", request.program}});
        return decision;
    }
    const auto& program = decision.program->program();
    if (!program.allowsChannel(terminal.channel)) {
        decision.refusal =
            Status(ErrorCode::channel_not_allowed, "this program is not paid out on this channel");
        return decision;
    }
    if (!program.isOpenAt(clock_->nowMillis())) {
        decision.refusal =
            Status(ErrorCode::program_closed, "the program is not open now",
                   {{"opens_at", program.opens_at}, {"closes_at", program.closes_at}});
        return decision;
    }
    decision.citizen_key = keys_.citizenKey(request.citizen_id);
    decision.roster = decision.program->find(decision.citizen_key);
    if (!decision.roster) {
        decision.refusal = Status(ErrorCode::not_eligible, "not on the roster of this program");
        return decision;
    }
    // Identification before anything about the person's entry is disclosed: exclusions and
    // claims are told only to the citizen who proved who they are (least disclosure).
    decision.refusal = identify(terminal, request, *decision.roster);
    if (!decision.refusal.ok()) return decision;
    decision.identified = true;
    const RosterView& roster = *decision.roster;
    if (roster.excluded) {
        decision.refusal = Status(ErrorCode::excluded, "excluded from this program",
                                  {{"reason", roster.excluded_reason}});
    }
    return decision;
}

Status ClaimService::identify(const TerminalIdentity& terminal,
                              const protocols::ClaimantRequest& request,
                              const RosterView& roster) const {
    if (request.proxy_id) {
        if (roster.claim_by == ClaimBy::self) {
            return Status(ErrorCode::proxy_not_allowed, "this citizen must collect in person");
        }
        const IndexKey proxy_key = indexKeyOf(keys_.citizenKey(*request.proxy_id));
        if (std::find(roster.proxies.begin(), roster.proxies.end(), proxy_key) ==
            roster.proxies.end()) {
            return Status(ErrorCode::proxy_not_allowed,
                          "proxy_id is not a registered proxy of this citizen");
        }
    } else if (roster.claim_by == ClaimBy::proxy) {
        return Status(ErrorCode::proxy_required,
                      "a registered proxy must collect for this citizen");
    }
    // ATM and kiosk prove the beneficiary by the NHI card number; the counter clerk checks the
    // physical card, so there the number is optional but must match when given.
    const bool nhi_required = terminal.channel != protocols::Channel::counter;
    if (roster.has_nhi && (request.nhi_card_no || nhi_required)) {
        if (!request.nhi_card_no || keys_.nhiTag(*request.nhi_card_no) != roster.nhi_tag) {
            return Status(ErrorCode::nhi_card_mismatch,
                          "the NHI card number does not match the roster");
        }
    }
    return Status::okStatus();
}

ServiceReply ClaimService::eligibility(const TerminalIdentity& terminal,
                                       std::string_view body) const {
    auto request = protocols::decodeEligibilityRequest(body);
    if (!request) return errorServiceReply(request.status());
    Decision decision = evaluate(terminal, request.value());
    const auto code = decision.refusal.code();
    // Malformed or unauthorised questions are errors; business answers are a 200 "no".
    if (code == ErrorCode::channel_mismatch || code == ErrorCode::unknown_program ||
        code == ErrorCode::role_not_allowed) {
        return errorServiceReply(decision.refusal);
    }
    const auto& program = decision.program->program();
    ErrorCode reason = code;
    if (decision.identified && reason == ErrorCode::ok &&
        protocols::blocksCitizen(decision.roster->claim_status)) {
        reason = ErrorCode::already_claimed;
    }
    if (reason == ErrorCode::ok) {
        // The ledger refuses payees of excluded programs at reserve time (409 excluded); say
        // so here too, so a terminal does not promise what the reservation will refuse.
        for (const auto& excluded_id : program.excludes) {
            const auto other = index_.program(excluded_id);
            const auto view = other ? other->find(decision.citizen_key) : std::nullopt;
            if (view && protocols::blocksCitizen(view->claim_status)) {
                reason = ErrorCode::excluded;
                break;
            }
        }
    }
    // Least disclosure (docs/api.md "What an eligibility answer reveals"): a refusal carries
    // its code and nothing else about the person; the amount only with a yes; the latest
    // claim's channel and time only after the citizen identified themselves. Written by hand,
    // keys in sorted order (the bytes nlohmann's dump() wrote before): this is the node's most
    // frequent reply, and a DOM cost a heap node per field.
    std::string reply_body;
    reply_body.reserve(kEligibilityReplyBytesTypical);
    protocols::JsonObjectWriter answer(reply_body);
    if (reason == ErrorCode::ok) answer.field("amount", decision.roster->amount);
    if (decision.identified) {
        const RosterView& roster = *decision.roster;
        answer.beginObject("claim");
        if (roster.claim_status != ClaimStatus::none) {
            answer.field("at", protocols::formatRfc3339Millis(roster.claim_since_millis))
                .field("channel", protocols::channelName(roster.claim_channel));
        }
        answer.field("status", protocols::claimStatusName(roster.claim_status)).endObject();
    }
    answer.field("currency", program.currency)
        .boolField("eligible", reason == ErrorCode::ok)
        .field("program", program.id);
    if (reason != ErrorCode::ok) answer.field("reason", protocols::errorCodeName(reason));
    answer.endObject();
    metrics_.recordEligibility(reason);
    return ServiceReply{200, std::move(reply_body), 0};
}

std::optional<ServiceReply> ClaimService::checkKey(const std::optional<std::string>& key) const {
    if (!key) {
        return errorServiceReply(Status(ErrorCode::missing_field,
                                        "Idempotency-Key header is required",
                                        {{"field", "Idempotency-Key"}}));
    }
    if (!protocols::isValidIdempotencyKey(*key)) {
        return errorServiceReply(Status(ErrorCode::bad_field,
                                        "Idempotency-Key must be 1..64 of [A-Za-z0-9._:-]",
                                        {{"field", "Idempotency-Key"}}));
    }
    return std::nullopt;
}

bool ClaimService::enterKey(const std::string& scoped_key) {
    std::lock_guard lock(in_flight_mutex_);
    return in_flight_keys_.insert(scoped_key).second;
}

void ClaimService::leaveKey(const std::string& scoped_key) {
    std::lock_guard lock(in_flight_mutex_);
    in_flight_keys_.erase(scoped_key);
}

ServiceReply ClaimService::serviceReply(LedgerReply reply) const {
    // Keyed operations arrive rendered (their reply was stored with the change); the rest are
    // rendered here, by the same renderer.
    RenderedReply rendered = reply.http_status != 0
                                 ? RenderedReply{reply.http_status, std::move(reply.body)}
                                 : renderer_.render(reply);
    const int retry_after_s = rendered.http_status == 503 ? kNotReadyRetryAfterSeconds : 0;
    return ServiceReply{rendered.http_status, std::move(rendered.body), retry_after_s};
}

void ClaimService::submit(LedgerOperation operation, ReplyHandler done, Answer answer) {
    // Shared so the handler survives a refused submit (the ledger drops its completion then).
    auto handler = std::make_shared<ReplyHandler>(std::move(done));
    const bool queued = ledger_.submit(
        std::move(operation), [this, handler, answer = std::move(answer)](LedgerReply reply) {
            (*handler)(answer ? answer(std::move(reply)) : serviceReply(std::move(reply)));
        });
    if (!queued) {
        (*handler)(errorServiceReply(
            Status(ErrorCode::overloaded, "the ledger queue is full; retry shortly")));
    }
}

void ClaimService::refuseUnlessReplay(const TerminalIdentity& terminal, IdempotencyScope scope,
                                      ServiceReply refusal, ReplyHandler done) {
    const std::string key = scope.key;
    submitKeyed(terminal, key, LookupReplyOperation{terminal, std::move(scope)}, std::move(done),
                [this, refusal = std::move(refusal)](LedgerReply known) {
                    // not_found: the key is new, so the rules' refusal stands.
                    return known.outcome == LedgerOutcome::not_found
                               ? refusal
                               : serviceReply(std::move(known));
                });
}

void ClaimService::submitKeyed(const TerminalIdentity& terminal, const std::string& key,
                               LedgerOperation operation, ReplyHandler done, Answer answer) {
    // One request per (operator, key) at a time: a concurrent duplicate is told to wait
    // (claim_in_progress) instead of queueing behind the first and hiding a client bug.
    std::string scoped_key = terminal.operator_id + '\n' + key;
    if (!enterKey(scoped_key)) {
        done(errorServiceReply(Status(ErrorCode::claim_in_progress,
                                      "a request with this Idempotency-Key is in progress")));
        return;
    }
    // The key leaves the in-flight set before the reply goes out, so a client that retries
    // the moment it reads the answer gets the stored reply, not claim_in_progress.
    submit(
        std::move(operation),
        [this, scoped_key = std::move(scoped_key), done = std::move(done)](ServiceReply reply) {
            leaveKey(scoped_key);
            done(std::move(reply));
        },
        std::move(answer));
}

ServiceReply ClaimService::waitFor(const std::function<void(ReplyHandler)>& start) {
    auto promise = std::make_shared<std::promise<ServiceReply>>();
    auto future = promise->get_future();
    start([promise](ServiceReply reply) { promise->set_value(std::move(reply)); });
    if (future.wait_for(ledger_wait_max_) != std::future_status::ready) {
        // The op stays queued and will complete; the terminal retries with the same key and
        // gets the stored reply. 503 tells it nothing is known yet.
        return errorServiceReply(Status(ErrorCode::not_ready, "the ledger did not answer in time"));
    }
    return future.get();
}

ServiceReply ClaimService::hold(const TerminalIdentity& terminal,
                                const std::optional<std::string>& key, std::string_view body) {
    return waitFor([&](ReplyHandler done) { hold(terminal, key, body, std::move(done)); });
}

ServiceReply ClaimService::commit(const TerminalIdentity& terminal,
                                  const std::optional<std::string>& key,
                                  const std::string& claim_ref, std::string_view body) {
    return waitFor(
        [&](ReplyHandler done) { commit(terminal, key, claim_ref, body, std::move(done)); });
}

ServiceReply ClaimService::voidClaim(const TerminalIdentity& terminal,
                                     const std::optional<std::string>& key,
                                     const std::string& claim_ref, std::string_view body) {
    return waitFor(
        [&](ReplyHandler done) { voidClaim(terminal, key, claim_ref, body, std::move(done)); });
}

ServiceReply ClaimService::getClaim(const TerminalIdentity& terminal,
                                    const std::string& claim_ref) {
    return waitFor([&](ReplyHandler done) { getClaim(terminal, claim_ref, std::move(done)); });
}

ServiceReply ClaimService::resolve(const std::string& claim_id, std::string_view body,
                                   const std::string& actor) {
    return waitFor([&](ReplyHandler done) { resolve(claim_id, body, actor, std::move(done)); });
}

void ClaimService::hold(const TerminalIdentity& terminal, const std::optional<std::string>& key,
                        std::string_view body, ReplyHandler done) {
    if (auto bad = checkKey(key)) return done(std::move(*bad));
    auto request = protocols::decodeClaimRequest(body);
    if (!request) return done(errorServiceReply(request.status()));
    IdempotencyScope scope{*key, requestHash("POST /v1/claims", request->toJson())};
    Decision decision = evaluate(terminal, request.value());
    if (!decision.refusal.ok()) {
        // Replay first: a retry of a hold that succeeded (the program may have closed since,
        // or the index now shows the hold itself) gets its stored reply, not a new refusal.
        return refuseUnlessReplay(terminal, std::move(scope), errorServiceReply(decision.refusal),
                                  std::move(done));
    }
    if (request->amount != decision.roster->amount) {
        return refuseUnlessReplay(
            terminal, std::move(scope),
            errorServiceReply(Status(ErrorCode::amount_mismatch,
                                     "amount differs from the entitlement",
                                     {{"expected", decision.roster->amount}})),
            std::move(done));
    }
    const auto& program = decision.program->program();
    HoldOperation operation;
    operation.terminal = terminal;
    operation.idempotency = std::move(scope);
    operation.program = program.id;
    operation.citizen_key = decision.citizen_key;
    operation.citizen_mask = protocols::CitizenId::maskCitizenId(request->citizen_id);
    operation.claim_code = claim_codes_.mint(terminal.operator_id);
    operation.amount = request->amount;
    operation.ttl_millis =
        static_cast<std::int64_t>(program.holdTtlSecondsFor(terminal.channel)) * 1000;
    operation.currency = program.currency;
    operation.excluded_programs = program.excludes;
    submitKeyed(terminal, *key, std::move(operation), std::move(done));
}

void ClaimService::commit(const TerminalIdentity& terminal, const std::optional<std::string>& key,
                          const std::string& claim_ref, std::string_view body, ReplyHandler done) {
    if (auto bad = checkKey(key)) return done(std::move(*bad));
    auto request = protocols::decodeCommitRequest(body);
    if (!request) return done(errorServiceReply(request.status()));
    CommitOperation operation;
    operation.terminal = terminal;
    nlohmann::json canonical = request->toJson();
    canonical["claim"] = claim_ref;
    operation.idempotency = {*key, requestHash("POST commit", canonical)};
    operation.claim_ref = claim_ref;
    operation.amount = request->amount;
    operation.terminal_ref = request->terminal_ref;
    operation.dispensed_at = request->dispensed_at;
    submitClaimChange(terminal, *key, claim_ref, std::move(operation), std::move(done));
}

void ClaimService::voidClaim(const TerminalIdentity& terminal,
                             const std::optional<std::string>& key, const std::string& claim_ref,
                             std::string_view body, ReplyHandler done) {
    if (auto bad = checkKey(key)) return done(std::move(*bad));
    auto request = protocols::decodeVoidRequest(body);
    if (!request) return done(errorServiceReply(request.status()));
    VoidOperation operation;
    operation.terminal = terminal;
    nlohmann::json canonical = request->toJson();
    canonical["claim"] = claim_ref;
    operation.idempotency = {*key, requestHash("POST void", canonical)};
    operation.claim_ref = claim_ref;
    operation.reason = request->reason;
    submitClaimChange(terminal, *key, claim_ref, std::move(operation), std::move(done));
}

std::optional<ServiceReply> ClaimService::screenLookup(const TerminalIdentity& terminal,
                                                       const std::string& claim_ref) {
    const std::string who = terminal.operator_id + '/' + terminal.terminal_id;
    if (const int wait_s = failed_lookups_.retryAfterSeconds(who); wait_s > 0) {
        return errorServiceReply(Status(ErrorCode::too_many_failed_lookups,
                                        "too many lookups of unknown claims; wait",
                                        {{"retry_after_s", wait_s}}));
    }
    const bool is_code = claim_ref.rfind("c_", 0) != 0 && claim_ref.rfind("p_", 0) != 0;
    if (is_code && !claim_codes_.authentic(terminal.operator_id, claim_ref)) {
        failed_lookups_.recordFailure(who);
        return errorServiceReply(
            Status(ErrorCode::unknown_claim, "no such claim", {{"claim", claim_ref}}));
    }
    return std::nullopt;
}

void ClaimService::noteLookupOutcome(const TerminalIdentity& terminal, const ServiceReply& reply) {
    // A till that scans real slips sees neither; a terminal probing ids or codes sees mostly
    // 404 (no such claim) and 403 (someone else's claim).
    const bool failed = reply.http_status == 404 || reply.http_status == 403;
    if (failed) failed_lookups_.recordFailure(terminal.operator_id + '/' + terminal.terminal_id);
}

void ClaimService::submitClaimChange(const TerminalIdentity& terminal, const std::string& key,
                                     const std::string& claim_ref, LedgerOperation operation,
                                     ReplyHandler done) {
    if (auto refused = screenLookup(terminal, claim_ref)) return done(std::move(*refused));
    submitKeyed(terminal, key, std::move(operation),
                [this, terminal, done = std::move(done)](ServiceReply reply) {
                    noteLookupOutcome(terminal, reply);
                    done(std::move(reply));
                });
}

void ClaimService::getClaim(const TerminalIdentity& terminal, const std::string& claim_ref,
                            ReplyHandler done) {
    if (auto refused = screenLookup(terminal, claim_ref)) return done(std::move(*refused));
    auto handler = std::make_shared<ReplyHandler>(std::move(done));
    const bool queued = reader_.submit([this, terminal, claim_ref, handler](LedgerStore* store) {
        auto answer = [&](ServiceReply reply) {
            noteLookupOutcome(terminal, reply);
            (*handler)(std::move(reply));
        };
        if (store == nullptr) {
            return answer(errorServiceReply(
                Status(ErrorCode::not_ready, "the ledger database is unreachable")));
        }
        std::optional<ClaimRecord> claim;
        try {
            claim = findClaimByRef(*store, terminal.operator_id, claim_ref);
        } catch (const LedgerStoreError&) {
            answer(errorServiceReply(
                Status(ErrorCode::not_ready, "the ledger database is unreachable")));
            throw;  // the reader reopens its connection
        }
        if (!claim) {
            return answer(errorServiceReply(
                Status(ErrorCode::unknown_claim, "no such claim", {{"claim", claim_ref}})));
        }
        if (Status allowed = authorizeClaimAction(*claim, terminal, ClaimAction::read);
            !allowed.ok()) {
            return answer(errorServiceReply(allowed));
        }
        LedgerReply read;
        read.kind = OperationKind::read_claim;
        read.outcome = LedgerOutcome::done;
        read.claim = std::move(claim);
        answer(serviceReply(std::move(read)));
    });
    if (!queued) {
        (*handler)(errorServiceReply(
            Status(ErrorCode::overloaded, "the claim read queue is full; retry shortly")));
    }
}

void ClaimService::resolve(const std::string& claim_id, std::string_view body,
                           const std::string& actor, ReplyHandler done) {
    auto parsed = protocols::parseJsonObject(body);
    if (!parsed) return done(errorServiceReply(parsed.status()));
    protocols::JsonFields fields(parsed.value());
    std::string outcome, reason;
    fields.requireString("outcome", 16, outcome);
    fields.requireString("reason", protocols::kReasonLengthMax, reason);
    if (!fields.ok()) return done(errorServiceReply(fields.status()));
    if (outcome != "paid" && outcome != "voided") {
        return done(errorServiceReply(Status(ErrorCode::bad_field, "outcome must be paid or voided",
                                             {{"field", "outcome"}})));
    }
    ResolveOperation operation;
    operation.claim_id = claim_id;
    operation.outcome = outcome == "paid" ? ClaimStatus::paid : ClaimStatus::voided;
    operation.reason = reason;
    operation.actor = actor;
    submit(std::move(operation), std::move(done));
}

ServiceReply ClaimService::sweepNow() {
    auto future = ledger_.submitUnbounded(SweepOperation{});
    return serviceReply(future.get());
}

}  // namespace claimgate::gateway
