// File: client_core.cpp
#include "client_core.hpp"

#include "advice_policy.hpp"
#include "sdk_limits.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/log.hpp>
#include <claimgate/protocols/messages.hpp>
#include <claimgate/protocols/receipt_code.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <random>

namespace claimgate::sdk {

namespace {

using Clock = std::chrono::steady_clock;

Outcome invalid(const std::string& code, const std::string& message) {
    Outcome outcome;
    outcome.status = Status::invalid_input;
    outcome.code = code;
    outcome.message = message;
    return outcome;
}

Outcome internalError(const std::string& code, const std::string& message) {
    Outcome outcome;
    outcome.status = Status::internal;
    outcome.code = code;
    outcome.message = message;
    return outcome;
}

Outcome busy() {
    Outcome outcome;
    outcome.status = Status::unavailable;
    outcome.code = "client_busy";
    outcome.message = "another call on this client did not finish within timeout_ms - pay nothing";
    return outcome;
}

bool isTokenChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

bool isToken(const std::string& text, std::size_t length_max) {
    if (text.empty() || text.size() > length_max) {
        return false;
    }
    for (char c : text) {
        if (!isTokenChar(c)) {
            return false;
        }
    }
    return true;
}

// A claim id ("c_" and lower-case base32) or a kiosk claim code (digits only).
bool isClaimRef(const std::string& text) {
    const auto all = [&text](std::size_t from, bool (*allowed)(char)) {
        for (std::size_t i = from; i < text.size(); ++i) {
            if (!allowed(text[i])) {
                return false;
            }
        }
        return true;
    };
    if (text.rfind("c_", 0) == 0) {
        return text.size() >= 2 + kClaimIdBodyLengthMin && text.size() <= kClaimIdLengthMax &&
               all(2, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
    }
    return text.size() >= kClaimCodeLengthMin && text.size() <= kClaimCodeLengthMax &&
           all(0, [](char c) { return c >= '0' && c <= '9'; });
}

Outcome invalidClaimRef(const char* claim_id) {
    if (claim_id == nullptr || *claim_id == '\0') {
        return invalid("missing_field", "claim_id is required");
    }
    return invalid("bad_field",
                   "claim_id must be a claim id (c_ and " + std::to_string(kClaimIdBodyLengthMin) +
                       ".." + std::to_string(kClaimIdLengthMax - 2) +
                       " of [a-z0-9]) or a claim code (" + std::to_string(kClaimCodeLengthMin) +
                       ".." + std::to_string(kClaimCodeLengthMax) + " digits)");
}

std::string stringField(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t integerField(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

/// A code from a reply (reason, error code, claim status, channel), or "" when absent. Codes
/// reach vendors' screens and logs as they are, so anything but lower-case letters, digits and
/// underscores, or longer than kReplyCodeLengthMax, becomes "invalid_reply_code": a broken or
/// hostile gateway must not pass text, such as a citizen ID, through them (found by make fuzz,
/// sdk_replies).
std::string codeField(const nlohmann::json& json, const char* name) {
    std::string code = stringField(json, name);
    const bool well_formed =
        code.size() <= kReplyCodeLengthMax && std::all_of(code.begin(), code.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        });
    return well_formed ? code : std::string("invalid_reply_code");
}

/// A gateway's free-text message with every citizen-ID-shaped run (a letter and nine digits)
/// masked, wherever it stands: the gateway never sends one, but the SDK's messages end up in
/// vendor logs (invariant 5), and a run glued to other letters escapes word-based masking.
std::string maskedReplyText(std::string text) {
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    for (std::size_t at = 0; at + 10 <= text.size(); ++at) {
        if (!letter(text[at]) ||
            !std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at) + 1,
                         text.begin() + static_cast<std::ptrdiff_t>(at) + 10, digit)) {
            continue;
        }
        text.replace(at, 10,
                     protocols::CitizenId::maskCitizenId(std::string_view(text).substr(at, 10)));
        at += 9;
    }
    return claimgate::log::maskCitizenIds(text);
}

/// False unless the field is a JSON true: a reply with another type there is not an answer
/// "eligible" (json::value would throw into the vendor's code instead).
bool booleanField(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_boolean() && it->get<bool>();
}

std::int64_t timeField(const nlohmann::json& json, const char* name) {
    return protocols::parseRfc3339Millis(stringField(json, name)).value_or(0);
}

nlohmann::json parseObject(const std::string& body) {
    auto json = nlohmann::json::parse(body, nullptr, false);
    return json.is_object() ? json : nlohmann::json::object();
}

// The blocking claim's channel and time, where the gateway disclosed them (eligibility's
// "claim", already_claimed's "detail"); its least-disclosure rules decide what is there.
void takeClaimedBy(Outcome& outcome, const nlohmann::json& claim) {
    if (!claim.is_object()) {
        return;
    }
    const std::string status = codeField(claim, "status");
    if (status.empty() || status == "none") {
        return;
    }
    outcome.claim_status = status;
    outcome.claimed_channel = codeField(claim, "channel");
    outcome.claimed_at_ms = timeField(claim, "at");
}

// Fills code/message from a gateway error envelope.
void takeError(Outcome& outcome, const HttpReply& reply) {
    outcome.http_status = reply.status;
    if (!reply.answered()) {
        outcome.code = reply.trustFailure() ? "tls_trust" : "unreachable";
        outcome.message =
            (reply.trustFailure() ? "TLS trust failure: " : "no answer from the gateway: ") +
            reply.error;
        return;
    }
    const auto json = parseObject(reply.body);
    const auto error = json.find("error");
    if (error != json.end() && error->is_object()) {
        outcome.code = codeField(*error, "code");
        outcome.message = maskedReplyText(stringField(*error, "message"));
        if (const auto detail = error->find("detail");
            detail != error->end() && detail->is_object()) {
            outcome.claim_status = codeField(*detail, "status");
            takeClaimedBy(outcome, *detail);
        }
    }
    if (outcome.code.empty()) {
        outcome.code = "http_" + std::to_string(reply.status);
    }
    if (outcome.message.empty()) {
        outcome.message = "gateway answered HTTP " + std::to_string(reply.status);
    }
}

// The gateway refused the request before queueing it and said so (bounded queue full):
// nothing to reverse. `not_ready` is not such an answer: for a state change it means the
// outcome is not known yet (a ledger write that failed at COMMIT or did not finish in time may
// still have happened; docs/api.md), so the reserve is reversed by replaying it.
bool definitelyNotProcessed(const HttpReply& reply, const std::string& code) {
    return (reply.status == 429 || reply.status == 503) && code == "overloaded";
}

bool unavailableAnswer(const HttpReply& reply) {
    return !reply.answered() || reply.status == 408 || reply.status == 429 || reply.status >= 500;
}

// No answer, or an answer that is not a decision: unavailable, unless the certificates are
// wrong, which no retry can mend.
Status noDecisionStatus(const HttpReply& reply) {
    return reply.trustFailure() ? Status::config_error : Status::unavailable;
}

double unitRandom() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace

struct ClientCore::Claimant {
    protocols::ClaimantRequest request;
};

ClientCore::ClientCore(TerminalIdentity identity, std::unique_ptr<Journal> journal,
                       TransportPtr transport, SdkLogger logger, AdviceListener events,
                       std::chrono::milliseconds timeout)
    : identity_(std::move(identity)),
      journal_(std::move(journal)),
      transport_(transport),
      logger_(std::move(logger)),
      events_(std::move(events)),
      timeout_(timeout),
      sender_(*journal_, std::move(transport), logger_,
              [this](const JournalEntry& entry, const HttpReply& reply, AdviceVerdict verdict) {
                  onDelivered(entry, reply, verdict);
              }) {}

ClientCore::~ClientCore() { sender_.stop(); }

void ClientCore::startSender() { sender_.start(); }

SteadyTime ClientCore::deadlineFromNow() const { return Clock::now() + timeout_; }

ClientCore::Lock ClientCore::lockBy(SteadyTime deadline) {
    Lock lock(mutex_, std::defer_lock);
    (void)lock.try_lock_until(deadline);
    return lock;
}

namespace {

// Validates what a check or reserve needs; an Outcome with status ok on success.
Outcome validateClaimant(const char* program, const char* citizen_id, const char* nhi_card_no,
                         const char* proxy_id, const std::string& channel,
                         protocols::ClaimantRequest& request) {
    if (program == nullptr || *program == '\0') {
        return invalid("missing_field", "program is required");
    }
    request.program = program;
    if (!isToken(request.program, protocols::kProgramIdLengthMax)) {
        return invalid("bad_field", "program must be 1.." +
                                        std::to_string(protocols::kProgramIdLengthMax) +
                                        " characters of [A-Za-z0-9._:-]");
    }
    if (citizen_id == nullptr || *citizen_id == '\0') {
        return invalid("missing_field", "citizen_id is required");
    }
    auto id = protocols::CitizenId::parse(citizen_id);
    if (!id.ok()) {
        return invalid("invalid_citizen_id", "citizen_id: " + id.status().message());
    }
    request.citizen_id = id->normalised();
    if (nhi_card_no != nullptr && *nhi_card_no != '\0') {
        if (auto status = protocols::validateNhiCardNumber(nhi_card_no); !status.ok()) {
            return invalid("bad_field", status.message());
        }
        request.nhi_card_no = std::string(nhi_card_no);
    }
    if (proxy_id != nullptr && *proxy_id != '\0') {
        auto proxy = protocols::CitizenId::parse(proxy_id);
        if (!proxy.ok()) {
            return invalid("invalid_citizen_id", "proxy_id: " + proxy.status().message());
        }
        request.proxy_id = proxy->normalised();
    }
    const auto parsed_channel = protocols::parseChannel(channel);
    request.channel = parsed_channel.value_or(protocols::Channel::atm);
    Outcome ok;
    ok.status = Status::ok;
    return ok;
}

}  // namespace

Outcome ClientCore::check(const char* program, const char* citizen_id, const char* nhi_card_no,
                          const char* proxy_id) {
    const SteadyTime deadline = deadlineFromNow();
    Claimant claimant;
    if (auto v = validateClaimant(program, citizen_id, nhi_card_no, proxy_id, identity_.channel,
                                  claimant.request);
        !v.ok()) {
        return v;
    }
    Lock lock = lockBy(deadline);
    if (!lock.owns_lock()) {
        return busy();
    }
    TransactionMachine machine;
    return eligibility(claimant, machine, deadline);
}

Outcome ClientCore::eligibility(const Claimant& claimant, TransactionMachine& machine,
                                SteadyTime deadline) {
    if (!machine.post(TxEvent::check)) {
        return internalError("invalid_transition",
                             std::string("check refused in state ") + txStateName(machine.state()));
    }
    const HttpReply reply = transport_->send(
        HttpRequest{"POST", "/v1/eligibility", claimant.request.toJson().dump(), "", deadline});
    Outcome outcome;
    if (reply.status == 200) {
        const auto json = parseObject(reply.body);
        outcome.status = Status::ok;
        outcome.http_status = reply.status;
        outcome.eligible = booleanField(json, "eligible");
        outcome.amount = integerField(json, "amount");
        outcome.code = codeField(json, "reason");
        if (const auto claim = json.find("claim"); claim != json.end()) {
            takeClaimedBy(outcome, *claim);
        }
        outcome.message = outcome.eligible ? "eligible" : "not eligible: " + outcome.code;
        machine.advance(outcome.eligible ? TxEvent::eligible : TxEvent::ineligible);
        return outcome;
    }
    takeError(outcome, reply);
    if (unavailableAnswer(reply)) {
        outcome.status = noDecisionStatus(reply);
        machine.advance(TxEvent::contact_lost);
    } else {
        outcome.status = Status::refused;
        machine.advance(TxEvent::refused);
    }
    return outcome;
}

Outcome ClientCore::reserve(const char* program, const char* citizen_id, const char* nhi_card_no,
                            const char* proxy_id, std::int64_t amount) {
    const SteadyTime deadline = deadlineFromNow();
    Claimant claimant;
    if (auto v = validateClaimant(program, citizen_id, nhi_card_no, proxy_id, identity_.channel,
                                  claimant.request);
        !v.ok()) {
        return v;
    }
    if (amount < 0 || amount > protocols::kAmountMax) {
        return invalid("bad_field", "amount must be 0 (the roster's amount) or 1.." +
                                        std::to_string(protocols::kAmountMax));
    }
    Lock lock = lockBy(deadline);
    if (!lock.owns_lock()) {
        return busy();
    }
    // Journal headroom: every hold this client can still be asked to commit or void must find a
    // free row, so new holds stop before the journal is full (sdk_limits.hpp).
    if (journal_->count() >= kJournalEntriesMax - kJournalCommitHeadroomEntries) {
        Outcome outcome;
        outcome.status = Status::unavailable;
        outcome.code = "journal_full";
        outcome.message = "journal nearly full (" + std::to_string(journal_->count()) +
                          " undelivered advices); new reserves are refused until the gateway "
                          "acknowledges them - pay nothing";
        return outcome;
    }
    auto transaction = std::make_unique<Transaction>();
    TransactionMachine& machine = transaction->machine;
    if (amount == 0) {
        Outcome checked = eligibility(claimant, machine, deadline);
        if (!checked.ok()) {
            return checked;
        }
        if (!checked.eligible) {
            checked.status = Status::refused;
            if (checked.code.empty()) {
                checked.code = "not_eligible";
            }
            return checked;
        }
        amount = checked.amount;
    }
    claimant.request.amount = amount;
    if (!machine.post(TxEvent::reserve)) {
        return internalError("invalid_transition", std::string("reserve refused in state ") +
                                                       txStateName(machine.state()));
    }
    const std::string key = journal_->newIdempotencyKey();
    const std::string body = claimant.request.toJson().dump();
    // The key is on disk (the body sealed) before the request leaves: if the answer is lost
    // (or this process dies), the sender replays the same request and voids whatever hold it
    // created.
    auto row = journal_->append(AdviceKind::reserve, key, "", "/v1/claims", body);
    if (!row.ok()) {
        machine.advance(TxEvent::contact_lost);
        Outcome outcome;
        outcome.status = row.status().code() == protocols::ErrorCode::overloaded
                             ? Status::unavailable
                             : Status::internal;
        outcome.code = row.status().code() == protocols::ErrorCode::overloaded ? "journal_full"
                                                                               : "journal_error";
        outcome.message = row.status().message() + " - pay nothing";
        return outcome;
    }
    const HttpReply reply =
        transport_->send(HttpRequest{"POST", "/v1/claims", body, key, deadline});
    Outcome outcome;
    outcome.http_status = reply.status;
    if (reply.status == 201 || reply.status == 200) {
        const auto json = parseObject(reply.body);
        outcome.claim_id = stringField(json, "claim_id");
        if (!isClaimRef(outcome.claim_id)) {
            // Held at the gateway but unusable here: let the sender reverse it.
            (void)journal_->reschedule(*row, 1, Journal::nowMs(), "reply without claim_id");
            sender_.wake();
            machine.advance(TxEvent::contact_lost);
            return internalError("bad_reply", "gateway reply lacks a usable claim_id; pay nothing");
        }
        (void)journal_->remove(*row);
        outcome.status = Status::ok;
        outcome.claim_code = stringField(json, "claim_code");
        outcome.claim_status = codeField(json, "status");
        outcome.amount = integerField(json, "amount");
        outcome.hold_expires_at_ms = timeField(json, "expires_at");
        outcome.eligible = true;
        outcome.message = "held";
        machine.advance(TxEvent::reserved);
        transaction->claim_id = outcome.claim_id;
        transaction->claim_code = outcome.claim_code;
        transaction->amount = outcome.amount;
        remember(std::move(transaction));
        sender_.notifyChanged();
        return outcome;
    }
    takeError(outcome, reply);
    if (unavailableAnswer(reply)) {
        outcome.status = noDecisionStatus(reply);
        machine.advance(TxEvent::contact_lost);
        if (definitelyNotProcessed(reply, outcome.code) || reply.trustFailure()) {
            // Nothing reached the ledger (a TLS failure happens before any request is read).
            (void)journal_->remove(*row);
        } else {
            (void)journal_->reschedule(
                *row, 1, Journal::nowMs() + backoffMilliseconds(1, unitRandom()), outcome.message);
            sender_.wake();
            outcome.message += " - pay nothing; any hold the gateway made will be voided";
        }
    } else {
        (void)journal_->remove(*row);
        outcome.status = Status::refused;
        machine.advance(TxEvent::refused);
    }
    sender_.notifyChanged();
    return outcome;
}

Outcome ClientCore::commit(const char* claim_id, std::int64_t amount, const char* terminal_ref) {
    if (claim_id == nullptr || !isClaimRef(claim_id)) {
        return invalidClaimRef(claim_id);
    }
    if (amount < 1 || amount > protocols::kAmountMax) {
        return invalid("bad_field", "amount must be 1.." + std::to_string(protocols::kAmountMax));
    }
    if (terminal_ref == nullptr || *terminal_ref == '\0') {
        return invalid("missing_field", "terminal_ref is required");
    }
    if (!isToken(terminal_ref, protocols::kTerminalRefLengthMax)) {
        return invalid("bad_field", "terminal_ref must be 1.." +
                                        std::to_string(protocols::kTerminalRefLengthMax) +
                                        " characters of [A-Za-z0-9._:-]");
    }
    std::lock_guard lock(mutex_);  // cash left: always journal, even behind a slow call
    return advice(AdviceKind::commit, claim_id, amount, terminal_ref, "");
}

Outcome ClientCore::voidClaim(const char* claim_id, const char* reason) {
    if (claim_id == nullptr || !isClaimRef(claim_id)) {
        return invalidClaimRef(claim_id);
    }
    std::string why = (reason == nullptr || *reason == '\0') ? "not_dispensed" : reason;
    if (why.size() > protocols::kReasonLengthMax) {
        return invalid("bad_field", "reason is longer than " +
                                        std::to_string(protocols::kReasonLengthMax) + " bytes");
    }
    std::lock_guard lock(mutex_);
    return advice(AdviceKind::void_, claim_id, 0, "", why);
}

Outcome ClientCore::advice(AdviceKind kind, const std::string& claim_id, std::int64_t amount,
                           const std::string& terminal_ref, const std::string& reason) {
    const SteadyTime deadline = deadlineFromNow();
    Transaction& transaction = transactionFor(claim_id);
    TransactionMachine& machine = transaction.machine;
    const bool is_commit = kind == AdviceKind::commit;
    if (is_commit && transaction.amount > 0 && amount != transaction.amount) {
        return invalid("amount_mismatch",
                       "claim " + claim_id + " was held for " + std::to_string(transaction.amount) +
                           "; a commit of " + std::to_string(amount) + " is refused locally");
    }
    // The same advice again (a retried commit, a second void): the first one's outcome stands,
    // as delivered by now if the sender has delivered it; nothing is sent twice.
    if (transaction.advised == kind) {
        if (is_commit && amount != transaction.committed_amount) {
            return invalid("amount_mismatch", "claim " + claim_id + " was committed with " +
                                                  std::to_string(transaction.committed_amount) +
                                                  "; another amount is refused locally");
        }
        Outcome repeat = transaction.last;
        repeat.message = "duplicate submit: " + repeat.message;
        return repeat;
    }
    // A commit whose journal write failed left the machine in Dispensing: the retried commit
    // resumes there (a void cannot: the cash may have left).
    const bool resumed_after_journal_error = is_commit && machine.state() == TxState::dispensing;
    if (!resumed_after_journal_error &&
        !machine.post(is_commit ? TxEvent::dispensed : TxEvent::void_requested)) {
        return invalid("invalid_transition", std::string(is_commit ? "commit" : "void") +
                                                 " refused: the transaction for " + claim_id +
                                                 " is " + txStateName(machine.state()));
    }
    const std::string key = journal_->newIdempotencyKey();
    std::string path;
    std::string body;
    if (is_commit) {
        path = "/v1/claims/" + claim_id + "/commit";
        // The terminal's time of dispense: the caller commits when the cash has left.
        body = protocols::CommitRequest{amount, terminal_ref, Journal::nowMs()}.toJson().dump();
    } else {
        path = "/v1/claims/" + claim_id + "/void";
        body = protocols::VoidRequest{reason}.toJson().dump();
    }
    // Journal first: once this returns, the advice survives a crash or power loss.
    auto row = journal_->append(kind, key, claim_id, path, body);
    if (!row.ok()) {
        // Cash may have left the device and the advice is not on disk: the one case the SDK
        // cannot cover alone. Say so plainly; the caller must keep the receipt for recon.
        return internalError(row.status().code() == protocols::ErrorCode::overloaded
                                 ? "journal_full"
                                 : "journal_error",
                             row.status().message());
    }
    if (is_commit) {
        machine.advance(TxEvent::journalled);
        transaction.committed_amount = amount;
    }
    transaction.advised = kind;
    const HttpReply reply = transport_->send(HttpRequest{"POST", path, body, key, deadline});
    const std::string code = errorCodeOf(reply.body);
    Outcome outcome;
    outcome.http_status = reply.status;
    outcome.claim_id = claim_id;
    outcome.amount = is_commit ? amount : 0;
    switch (classifyAdviceReply(reply, code)) {
        case AdviceVerdict::acknowledged: {
            (void)journal_->remove(*row);
            const auto json = parseObject(reply.body);
            // Only a well-formed id replaces the one asked about (a reply is untrusted input).
            if (const auto id = stringField(json, "claim_id"); isClaimRef(id)) {
                outcome.claim_id = id;
            }
            outcome.status = Status::ok;
            outcome.claim_status = codeField(json, "status");
            if (outcome.claim_status.empty()) {
                outcome.claim_status = is_commit ? "paid" : "voided";
            }
            outcome.message = is_commit ? "paid" : "voided";
            if (is_commit) {
                keepReceipt(reply.body);
            }
            machine.advance(TxEvent::acknowledged);
            emit(kind, outcome, key, false);
            break;
        }
        case AdviceVerdict::retry:
            (void)journal_->reschedule(*row, 1,
                                       Journal::nowMs() + backoffMilliseconds(1, unitRandom()),
                                       reply.answered() ? code : reply.error);
            sender_.wake();
            takeError(outcome, reply);
            // Queued even on a TLS trust failure: the advice is money and stays journalled.
            outcome.status = Status::queued;
            outcome.claim_status = "";
            outcome.message =
                "advice journalled, delivered when the gateway answers (" + outcome.message + ")";
            machine.advance(TxEvent::contact_lost);
            break;
        case AdviceVerdict::ended:
            (void)journal_->remove(*row);
            takeError(outcome, reply);
            outcome.status = Status::refused;
            logger_(LogLevel::warning, std::string(adviceKindName(kind)) + " advice for " +
                                           claim_id + " refused by the gateway: " + outcome.code +
                                           " (" + outcome.message + ")");
            machine.advance(TxEvent::refused);
            emit(kind, outcome, key, false);
            break;
    }
    transaction.last = outcome;
    sender_.notifyChanged();
    return outcome;
}

ClientCore::Transaction* ClientCore::findTransaction(const std::string& claim_ref) {
    std::string id = claim_ref;
    if (const auto code = claim_codes_.find(claim_ref); code != claim_codes_.end()) {
        id = code->second;
    }
    const auto it = transactions_.find(id);
    return it == transactions_.end() ? nullptr : it->second.get();
}

ClientCore::Transaction& ClientCore::transactionFor(const std::string& claim_id) {
    if (Transaction* known = findTransaction(claim_id)) {
        return *known;
    }
    // A hold this client did not make (kiosk slip at the POS) or no longer tracks (after a
    // restart): it is Reserved as far as this terminal knows; the gateway has the last word.
    auto transaction = std::make_unique<Transaction>();
    transaction->machine.advance(TxEvent::resume);
    transaction->claim_id = claim_id;
    Transaction& ref = *transaction;
    remember(std::move(transaction));
    return ref;
}

void ClientCore::remember(std::unique_ptr<Transaction> transaction) {
    while (transactions_.size() >= kOpenHoldsMax && !transaction_order_.empty()) {
        const std::string oldest = transaction_order_.front();
        transaction_order_.pop_front();
        if (const auto it = transactions_.find(oldest); it != transactions_.end()) {
            if (!it->second->claim_code.empty()) {
                claim_codes_.erase(it->second->claim_code);
            }
            transactions_.erase(it);
        }
    }
    const std::string id = transaction->claim_id;
    if (!transaction->claim_code.empty()) {
        claim_codes_[transaction->claim_code] = id;
    }
    transaction_order_.push_back(id);
    transactions_[id] = std::move(transaction);
}

void ClientCore::keepReceipt(const std::string& reply_body) {
    const auto json = parseObject(reply_body);
    const auto receipt_json = json.find("receipt");
    if (receipt_json == json.end()) {
        return;
    }
    auto fields = protocols::receiptFromJson(*receipt_json);
    if (!fields.ok()) {
        logger_(LogLevel::warning,
                "commit answered with an unusable receipt: " + fields.status().message());
        return;
    }
    Receipt receipt;
    receipt.qr_text = protocols::encodeReceiptQr(*fields);
    receipt.claim_id = fields->claim_id;
    receipt.program = fields->program;
    receipt.amount = fields->amount;
    receipt.channel = fields->channel;
    receipt.terminal_id = fields->terminal_id;
    receipt.paid_at = fields->paid_at;
    receipt.citizen_mask = fields->citizen_mask;
    receipt.key_id = fields->key_id;
    while (receipts_.size() >= kReceiptsKeptMax && !receipt_order_.empty()) {
        receipts_.erase(receipt_order_.front());
        receipt_order_.pop_front();
    }
    if (receipts_.count(receipt.claim_id) == 0) {
        receipt_order_.push_back(receipt.claim_id);
    }
    receipts_[receipt.claim_id] = std::move(receipt);
}

void ClientCore::onDelivered(const JournalEntry& entry, const HttpReply& reply,
                             AdviceVerdict verdict) {
    Outcome outcome;
    outcome.claim_id = entry.claim_id;
    if (verdict == AdviceVerdict::acknowledged) {
        const auto json = parseObject(reply.body);
        outcome.status = Status::ok;
        outcome.http_status = reply.status;
        outcome.claim_status = codeField(json, "status");
        if (const auto id = stringField(json, "claim_id"); isClaimRef(id)) {
            outcome.claim_id = id;
        }
        outcome.amount = integerField(json, "amount");
        outcome.message = entry.kind == AdviceKind::commit ? "paid (delivered later)"
                                                           : "voided (delivered later)";
    } else {
        takeError(outcome, reply);
        outcome.status = Status::refused;
    }
    {
        std::lock_guard lock(mutex_);
        if (entry.kind == AdviceKind::commit && verdict == AdviceVerdict::acknowledged) {
            keepReceipt(reply.body);
        }
        if (Transaction* transaction = findTransaction(entry.claim_id);
            transaction != nullptr && transaction->advised == entry.kind) {
            if (outcome.amount == 0) {
                outcome.amount = transaction->last.amount;
            }
            transaction->last = outcome;
        }
    }
    emit(entry.kind, outcome, entry.idempotency_key, true);
}

void ClientCore::emit(AdviceKind kind, const Outcome& outcome, const std::string& key,
                      bool in_background) {
    if (!events_) {
        return;
    }
    AdviceEvent event;
    event.kind = kind == AdviceKind::commit  ? AdviceEventKind::commit_delivered
                 : kind == AdviceKind::void_ ? AdviceEventKind::void_delivered
                                             : AdviceEventKind::reserve_reversed;
    event.status = outcome.status;
    event.http_status = outcome.http_status;
    event.terminal_id = identity_.terminal_id;
    event.claim_id = outcome.claim_id;
    event.idempotency_key = key;
    event.code = outcome.code;
    event.in_background = in_background;
    events_(event);
}

std::optional<TxState> ClientCore::transactionState(const std::string& claim_id) {
    std::lock_guard lock(mutex_);
    const Transaction* transaction = findTransaction(claim_id);
    if (transaction == nullptr) {
        return std::nullopt;
    }
    return transaction->machine.state();
}

Outcome ClientCore::lookup(const char* claim_id) {
    const SteadyTime deadline = deadlineFromNow();
    if (claim_id == nullptr || !isClaimRef(claim_id)) {
        return invalidClaimRef(claim_id);
    }
    Lock lock = lockBy(deadline);
    if (!lock.owns_lock()) {
        return busy();
    }
    const HttpReply reply = transport_->send(
        HttpRequest{"GET", std::string("/v1/claims/") + claim_id, "", "", deadline});
    Outcome outcome;
    outcome.http_status = reply.status;
    if (reply.status == 200) {
        const auto json = parseObject(reply.body);
        outcome.status = Status::ok;
        outcome.claim_id = stringField(json, "claim_id");
        if (!isClaimRef(outcome.claim_id)) outcome.claim_id = claim_id;  // as asked
        outcome.claim_code = stringField(json, "claim_code");
        outcome.claim_status = codeField(json, "status");
        outcome.amount = integerField(json, "amount");
        outcome.hold_expires_at_ms = timeField(json, "expires_at");
        outcome.message = outcome.claim_status;
        if (outcome.claim_status == "paid") {
            keepReceipt(reply.body);
        }
        return outcome;
    }
    takeError(outcome, reply);
    outcome.status = unavailableAnswer(reply) ? noDecisionStatus(reply) : Status::refused;
    return outcome;
}

Outcome ClientCore::receipt(const char* claim_id, Receipt& out) {
    if (claim_id == nullptr || !isClaimRef(claim_id)) {
        return invalidClaimRef(claim_id);
    }
    const auto kept = [&]() -> std::optional<Receipt> {
        std::lock_guard lock(mutex_);
        std::string id = claim_id;
        if (const auto code = claim_codes_.find(id); code != claim_codes_.end()) {
            id = code->second;
        }
        const auto it = receipts_.find(id);
        return it == receipts_.end() ? std::nullopt : std::optional<Receipt>(it->second);
    };
    auto found = kept();
    Outcome outcome;
    if (!found) {
        // Not paid through this client since it opened: ask the gateway, which answers a paid
        // claim with its receipt.
        outcome = lookup(claim_id);
        if (!outcome.ok()) {
            return outcome;
        }
        found = kept();
        if (!found) {
            outcome.status = Status::refused;
            outcome.code = outcome.claim_status == "paid" ? "receipt_unavailable" : "not_paid";
            outcome.message =
                outcome.claim_status == "paid"
                    ? "the gateway did not send a receipt for " + std::string(claim_id)
                    : std::string(claim_id) + " is " + outcome.claim_status +
                          ", not paid: there is no receipt";
            return outcome;
        }
    }
    out = *found;
    outcome.status = Status::ok;
    outcome.claim_id = found->claim_id;
    outcome.claim_status = "paid";
    outcome.amount = found->amount;
    outcome.message = "receipt";
    return outcome;
}

std::int64_t ClientCore::pendingAdvices() { return journal_->count(); }

Status ClientCore::flush(std::chrono::milliseconds timeout) {
    if (auto status = journal_->makeAllDue(); !status.ok()) {
        return Status::internal;
    }
    sender_.wake();
    return sender_.waitIdle(timeout) ? Status::ok : Status::unavailable;
}

}  // namespace claimgate::sdk
