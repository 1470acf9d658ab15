// File: client_core.cpp
#include "client_core.hpp"

#include "advice_policy.hpp"
#include "sdk_limits.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/messages.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <random>

namespace claimgate::sdk {

namespace {

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

bool isTokenChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == ':';
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

std::string stringField(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t integerField(const nlohmann::json& json, const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

nlohmann::json parseObject(const std::string& body) {
    auto json = nlohmann::json::parse(body, nullptr, false);
    return json.is_object() ? json : nlohmann::json::object();
}

// Fills code/message from a gateway error envelope.
void takeError(Outcome& outcome, const HttpReply& reply) {
    outcome.http_status = reply.status;
    if (!reply.answered()) {
        outcome.code = "unreachable";
        outcome.message = "no answer from the gateway: " + reply.error;
        return;
    }
    const auto json = parseObject(reply.body);
    const auto error = json.find("error");
    if (error != json.end() && error->is_object()) {
        outcome.code = stringField(*error, "code");
        outcome.message = stringField(*error, "message");
        if (const auto detail = error->find("detail");
            detail != error->end() && detail->is_object()) {
            outcome.claim_status = stringField(*detail, "status");
        }
    }
    if (outcome.code.empty()) {
        outcome.code = "http_" + std::to_string(reply.status);
    }
    if (outcome.message.empty()) {
        outcome.message = "gateway answered HTTP " + std::to_string(reply.status);
    }
}

// The gateway did not process the request and said so (bounded queue full, roster loading):
// nothing to reverse.
bool definitelyNotProcessed(const HttpReply& reply, const std::string& code) {
    return (reply.status == 429 || reply.status == 503) &&
           (code == "overloaded" || code == "not_ready");
}

bool unavailableAnswer(const HttpReply& reply) {
    return !reply.answered() || reply.status == 408 || reply.status == 429 || reply.status >= 500;
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
                       TransportPtr foreground, TransportPtr background, SdkLogger logger)
    : identity_(std::move(identity)),
      journal_(std::move(journal)),
      foreground_(std::move(foreground)),
      logger_(std::move(logger)),
      sender_(*journal_, std::move(background), logger_) {}

ClientCore::~ClientCore() { sender_.stop(); }

void ClientCore::startSender() { sender_.start(); }

namespace {

// Validates what a check or reserve needs; nullopt-free Outcome with status ok on success.
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
    Claimant claimant;
    if (auto v = validateClaimant(program, citizen_id, nhi_card_no, proxy_id, identity_.channel,
                                  claimant.request);
        !v.ok()) {
        return v;
    }
    std::lock_guard lock(mutex_);
    TransactionMachine machine;
    return eligibility(claimant, machine);
}

Outcome ClientCore::eligibility(const Claimant& claimant, TransactionMachine& machine) {
    if (!machine.post(TxEvent::check)) {
        return internalError("invalid_transition", std::string("check refused in state ") +
                                                       txStateName(machine.state()));
    }
    const HttpReply reply = foreground_->send(
        HttpRequest{"POST", "/v1/eligibility", claimant.request.toJson().dump(), ""});
    Outcome outcome;
    if (reply.status == 200) {
        const auto json = parseObject(reply.body);
        outcome.status = Status::ok;
        outcome.http_status = reply.status;
        outcome.eligible = json.value("eligible", false);
        outcome.amount = integerField(json, "amount");
        outcome.code = stringField(json, "reason");
        if (const auto claim = json.find("claim"); claim != json.end() && claim->is_object()) {
            outcome.claim_status = stringField(*claim, "status");
        }
        outcome.message = outcome.eligible ? "eligible" : "not eligible: " + outcome.code;
        machine.advance(outcome.eligible ? TxEvent::eligible : TxEvent::ineligible);
        return outcome;
    }
    takeError(outcome, reply);
    if (unavailableAnswer(reply)) {
        outcome.status = Status::unavailable;
        machine.advance(TxEvent::contact_lost);
    } else {
        outcome.status = Status::refused;
        machine.advance(TxEvent::refused);
    }
    return outcome;
}

Outcome ClientCore::reserve(const char* program, const char* citizen_id, const char* nhi_card_no,
                            const char* proxy_id, std::int64_t amount) {
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
    std::lock_guard lock(mutex_);
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
        Outcome checked = eligibility(claimant, machine);
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
    // The key is on disk before the request leaves: if the answer is lost (or this process
    // dies), the sender replays the same request and voids whatever hold it created.
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
    const HttpReply reply = foreground_->send(HttpRequest{"POST", "/v1/claims", body, key});
    Outcome outcome;
    outcome.http_status = reply.status;
    if (reply.status == 201 || reply.status == 200) {
        const auto json = parseObject(reply.body);
        outcome.claim_id = stringField(json, "claim_id");
        if (outcome.claim_id.empty() || outcome.claim_id.size() > kClaimIdLengthMax) {
            // Held at the gateway but unusable here: let the sender reverse it.
            (void)journal_->reschedule(*row, 1, Journal::nowMs(), "reply without claim_id");
            sender_.wake();
            machine.advance(TxEvent::contact_lost);
            return internalError("bad_reply", "gateway reply lacks a claim_id; pay nothing");
        }
        (void)journal_->remove(*row);
        outcome.status = Status::ok;
        outcome.claim_code = stringField(json, "claim_code");
        outcome.claim_status = stringField(json, "status");
        outcome.amount = integerField(json, "amount");
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
        outcome.status = Status::unavailable;
        machine.advance(TxEvent::contact_lost);
        if (definitelyNotProcessed(reply, outcome.code)) {
            (void)journal_->remove(*row);
        } else {
            (void)journal_->reschedule(*row, 1,
                                       Journal::nowMs() + backoffMilliseconds(1, unitRandom()),
                                       outcome.message);
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
    if (claim_id == nullptr || *claim_id == '\0') {
        return invalid("missing_field", "claim_id is required");
    }
    if (!isToken(claim_id, kClaimIdLengthMax)) {
        return invalid("bad_field", "claim_id must be 1.." + std::to_string(kClaimIdLengthMax) +
                                        " characters of [A-Za-z0-9._:-]");
    }
    if (amount < 1 || amount > protocols::kAmountMax) {
        return invalid("bad_field",
                       "amount must be 1.." + std::to_string(protocols::kAmountMax));
    }
    if (terminal_ref == nullptr || *terminal_ref == '\0') {
        return invalid("missing_field", "terminal_ref is required");
    }
    if (!isToken(terminal_ref, protocols::kTerminalRefLengthMax)) {
        return invalid("bad_field", "terminal_ref must be 1.." +
                                        std::to_string(protocols::kTerminalRefLengthMax) +
                                        " characters of [A-Za-z0-9._:-]");
    }
    std::lock_guard lock(mutex_);
    return advice(AdviceKind::commit, claim_id, amount, terminal_ref, "");
}

Outcome ClientCore::voidClaim(const char* claim_id, const char* reason) {
    if (claim_id == nullptr || *claim_id == '\0') {
        return invalid("missing_field", "claim_id is required");
    }
    if (!isToken(claim_id, kClaimIdLengthMax)) {
        return invalid("bad_field", "claim_id must be 1.." + std::to_string(kClaimIdLengthMax) +
                                        " characters of [A-Za-z0-9._:-]");
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
    Transaction& transaction = transactionFor(claim_id);
    TransactionMachine& machine = transaction.machine;
    const bool is_commit = kind == AdviceKind::commit;
    // Duplicate submit (the same commit twice, a retried void): the first one's outcome stands;
    // nothing is sent twice. Anything else on a finished transaction is refused below.
    if (machine.finished() && transaction.advised.has_value() && *transaction.advised == kind &&
        (!is_commit || transaction.terminal_ref == terminal_ref)) {
        Outcome repeat = transaction.last;
        repeat.message = "duplicate submit: " + repeat.message;
        return repeat;
    }
    const bool resumed_after_journal_error = machine.state() == TxState::dispensing;
    if (!resumed_after_journal_error &&
        !machine.post(is_commit ? TxEvent::dispensed : TxEvent::void_requested)) {
        Outcome outcome = invalid("invalid_transition",
                                  std::string(is_commit ? "commit" : "void") +
                                      " refused: the transaction for " + claim_id + " is " +
                                      txStateName(machine.state()));
        return outcome;
    }
    const std::string key = journal_->newIdempotencyKey();
    std::string path;
    std::string body;
    if (is_commit) {
        path = "/v1/claims/" + claim_id + "/commit";
        body = protocols::CommitRequest{amount, terminal_ref}.toJson().dump();
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
        transaction.terminal_ref = terminal_ref;
    }
    transaction.advised = kind;
    const HttpReply reply = foreground_->send(HttpRequest{"POST", path, body, key});
    const std::string code = errorCodeOf(reply.body);
    Outcome outcome;
    outcome.http_status = reply.status;
    outcome.claim_id = claim_id;
    outcome.amount = is_commit ? amount : 0;
    switch (classifyAdviceReply(reply, code)) {
        case AdviceVerdict::acknowledged: {
            (void)journal_->remove(*row);
            const auto json = parseObject(reply.body);
            if (const auto id = stringField(json, "claim_id"); !id.empty()) {
                outcome.claim_id = id;
            }
            outcome.status = Status::ok;
            outcome.claim_status = stringField(json, "status");
            if (outcome.claim_status.empty()) {
                outcome.claim_status = is_commit ? "paid" : "voided";
            }
            outcome.message = is_commit ? "paid" : "voided";
            machine.advance(TxEvent::acknowledged);
            break;
        }
        case AdviceVerdict::retry:
            (void)journal_->reschedule(*row, 1,
                                       Journal::nowMs() + backoffMilliseconds(1, unitRandom()),
                                       reply.answered() ? code : reply.error);
            sender_.wake();
            takeError(outcome, reply);
            outcome.status = Status::queued;
            outcome.claim_status = "";
            outcome.message = "advice journalled, delivered when the gateway answers (" +
                              outcome.message + ")";
            machine.advance(TxEvent::contact_lost);
            break;
        case AdviceVerdict::ended:
            (void)journal_->remove(*row);
            takeError(outcome, reply);
            outcome.status = Status::refused;
            logger_(std::string(adviceKindName(kind)) + " advice for " + claim_id +
                    " refused by the gateway: " + outcome.code + " (" + outcome.message + ")");
            machine.advance(TxEvent::refused);
            break;
    }
    transaction.last = outcome;
    sender_.notifyChanged();
    return outcome;
}

ClientCore::Transaction& ClientCore::transactionFor(const std::string& claim_id) {
    std::string id = claim_id;
    if (const auto code = claim_codes_.find(claim_id); code != claim_codes_.end()) {
        id = code->second;
    }
    if (const auto it = transactions_.find(id); it != transactions_.end()) {
        return *it->second;
    }
    // A hold this client did not make (kiosk slip at the POS) or no longer tracks (after a
    // restart): it is Reserved as far as this terminal knows; the gateway has the last word.
    auto transaction = std::make_unique<Transaction>();
    transaction->machine.advance(TxEvent::resume);
    transaction->claim_id = id;
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

std::optional<TxState> ClientCore::transactionState(const std::string& claim_id) {
    std::lock_guard lock(mutex_);
    std::string id = claim_id;
    if (const auto code = claim_codes_.find(claim_id); code != claim_codes_.end()) {
        id = code->second;
    }
    const auto it = transactions_.find(id);
    if (it == transactions_.end()) {
        return std::nullopt;
    }
    return it->second->machine.state();
}

Outcome ClientCore::lookup(const char* claim_id) {
    if (claim_id == nullptr || *claim_id == '\0') {
        return invalid("missing_field", "claim_id is required");
    }
    if (!isToken(claim_id, kClaimIdLengthMax)) {
        return invalid("bad_field", "claim_id must be 1.." + std::to_string(kClaimIdLengthMax) +
                                        " characters of [A-Za-z0-9._:-]");
    }
    std::lock_guard lock(mutex_);
    const HttpReply reply =
        foreground_->send(HttpRequest{"GET", std::string("/v1/claims/") + claim_id, "", ""});
    Outcome outcome;
    outcome.http_status = reply.status;
    if (reply.status == 200) {
        const auto json = parseObject(reply.body);
        outcome.status = Status::ok;
        outcome.claim_id = stringField(json, "claim_id");
        outcome.claim_code = stringField(json, "claim_code");
        outcome.claim_status = stringField(json, "status");
        outcome.amount = integerField(json, "amount");
        outcome.message = outcome.claim_status;
        return outcome;
    }
    takeError(outcome, reply);
    outcome.status = unavailableAnswer(reply) ? Status::unavailable : Status::refused;
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
