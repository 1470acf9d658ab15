// File: client_core.hpp
// The one implementation behind the C++ API and the C ABI: validates input, drives each
// transaction's TransactionMachine, writes the journal before every state-changing request, and
// hands undelivered advices to the AdviceSender. Seams (journal, transport, logger, events)
// come in through the constructor so tests can drive it with a scripted transport.
//
// One deadline per call (issue 12): `timeout` bounds the whole of check, reserve (its
// eligibility step included), lookup and receipt - waiting for the client, connecting,
// retrying and failing over. Commit and void always journal first, so they may wait for a call
// already in progress on the same client before their own deadline starts.
#pragma once

#include "advice_sender.hpp"
#include "deadline_mutex.hpp"
#include "journal.hpp"
#include "sdk_log.hpp"
#include "terminal_identity.hpp"
#include "transaction_machine.hpp"
#include "transport.hpp"

#include <claimgate/sdk/outcome.hpp>
#include <claimgate/sdk/receipt.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace claimgate::sdk {

class ClientCore {
public:
    /// `transport` carries the caller's requests and the sender's (one connection per client).
    ClientCore(TerminalIdentity identity, std::unique_ptr<Journal> journal, TransportPtr transport,
               SdkLogger logger, AdviceListener events, std::chrono::milliseconds timeout);
    ~ClientCore();
    ClientCore(const ClientCore&) = delete;
    ClientCore& operator=(const ClientCore&) = delete;

    /// Starts the background sender (replays what an earlier run left in the journal).
    void startSender();

    Outcome check(const char* program, const char* citizen_id, const char* nhi_card_no,
                  const char* proxy_id);
    Outcome reserve(const char* program, const char* citizen_id, const char* nhi_card_no,
                    const char* proxy_id, std::int64_t amount);
    Outcome commit(const char* claim_id, std::int64_t amount, const char* terminal_ref);
    Outcome voidClaim(const char* claim_id, const char* reason);
    Outcome lookup(const char* claim_id);
    /// The signed receipt of a paid claim: kept from the commit's answer, else asked of the
    /// gateway (GET /v1/claims/{id}).
    Outcome receipt(const char* claim_id, Receipt& out);
    std::int64_t pendingAdvices();
    Status flush(std::chrono::milliseconds timeout);

    [[nodiscard]] const TerminalIdentity& identity() const noexcept { return identity_; }
    [[nodiscard]] Journal& journal() noexcept { return *journal_; }
    [[nodiscard]] AdviceSender& sender() noexcept { return sender_; }
    /// State of the transaction for a claim id or claim code (tests, diagnostics).
    [[nodiscard]] std::optional<TxState> transactionState(const std::string& claim_id);

private:
    struct Transaction {
        TransactionMachine machine;
        std::string claim_id;
        std::string claim_code;
        std::int64_t amount = 0;            ///< held amount, when this client made the hold
        std::int64_t committed_amount = 0;  ///< of the commit advice, to refuse another amount
        Outcome last;  ///< of the latest commit or void; updated when the sender delivers it
        std::optional<AdviceKind> advised;  ///< the latest advice journalled for this claim
    };
    struct Claimant;
    using Lock = std::unique_lock<DeadlineMutex>;

    SteadyTime deadlineFromNow() const;
    /// Locks the client by the deadline; nullopt-like empty lock when it stayed busy.
    Lock lockBy(SteadyTime deadline);
    Outcome eligibility(const Claimant& claimant, TransactionMachine& machine, SteadyTime deadline);
    Outcome advice(AdviceKind kind, const std::string& claim_id, std::int64_t amount,
                   const std::string& terminal_ref, const std::string& reason);
    Transaction* findTransaction(const std::string& claim_ref);
    Transaction& transactionFor(const std::string& claim_id);
    void remember(std::unique_ptr<Transaction> transaction);
    void keepReceipt(const std::string& reply_body);
    void onDelivered(const JournalEntry& entry, const HttpReply& reply, AdviceVerdict verdict);
    void emit(AdviceKind kind, const Outcome& outcome, const std::string& key, bool in_background);

    TerminalIdentity identity_;
    std::unique_ptr<Journal> journal_;
    TransportPtr transport_;
    SdkLogger logger_;
    AdviceListener events_;
    std::chrono::milliseconds timeout_;
    DeadlineMutex mutex_;  // serialises the calls of one client (and delivery bookkeeping)
    std::map<std::string, std::unique_ptr<Transaction>> transactions_;  // by claim id
    std::map<std::string, std::string> claim_codes_;                    // claim code -> id
    std::deque<std::string> transaction_order_;                         // oldest first
    std::map<std::string, Receipt> receipts_;                           // by claim id
    std::deque<std::string> receipt_order_;                             // oldest first
    AdviceSender sender_;  // last: its thread stops before the members it uses go
};

}  // namespace claimgate::sdk
