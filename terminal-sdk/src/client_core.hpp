// File: client_core.hpp
// The one implementation behind the C++ API and the C ABI: validates input, drives each
// transaction's TransactionMachine, writes the journal before every state-changing request, and
// hands undelivered advices to the AdviceSender. Seams (journal, transports, logger) come in
// through the constructor so tests can drive it with a gmock transport.
#pragma once

#include "advice_sender.hpp"
#include "journal.hpp"
#include "terminal_identity.hpp"
#include "transaction_machine.hpp"
#include "transport.hpp"

#include <claimgate/sdk/outcome.hpp>

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
    /// `foreground` serves the caller's requests, `background` the sender's (separate
    /// connections, so a slow retry never delays a citizen at the terminal).
    ClientCore(TerminalIdentity identity, std::unique_ptr<Journal> journal,
               TransportPtr foreground, TransportPtr background, SdkLogger logger);
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
        std::int64_t amount = 0;
        std::string terminal_ref;  ///< of the commit, to recognise a duplicate submit
        Outcome last;              ///< of the commit or void, replayed on a duplicate submit
        std::optional<AdviceKind> advised;  ///< the advice journalled for this claim, if any
    };
    struct Claimant;

    Outcome eligibility(const Claimant& claimant, TransactionMachine& machine);
    Outcome advice(AdviceKind kind, const std::string& claim_id, std::int64_t amount,
                   const std::string& terminal_ref, const std::string& reason);
    Transaction& transactionFor(const std::string& claim_id);
    void remember(std::unique_ptr<Transaction> transaction);

    TerminalIdentity identity_;
    std::unique_ptr<Journal> journal_;
    TransportPtr foreground_;
    SdkLogger logger_;
    AdviceSender sender_;
    std::mutex mutex_;  // serialises the foreground calls of one client
    std::map<std::string, std::unique_ptr<Transaction>> transactions_;  // by claim id
    std::map<std::string, std::string> claim_codes_;                    // claim code -> id
    std::deque<std::string> transaction_order_;                         // oldest first
};

}  // namespace claimgate::sdk
