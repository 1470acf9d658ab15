// File: transaction_machine.hpp
// One cash transaction's state (contracts §7), driven by a Boost.Statechart synchronous
// state_machine that lives only in transaction_machine.cpp, so Boost stays out of every header.
//
//   Idle -check-> Checking -eligible-> Eligible -reserve-> Reserving -reserved-> Reserved
//                          -ineligible/refused-> Ineligible      -refused-> Ineligible
//                          -contact_lost-> Idle                  -contact_lost-> Idle
//   Idle -reserve-> Reserving            (reserve without a prior check: the gateway checks)
//   Idle -resume-> Reserved              (a hold made elsewhere: kiosk slip at the POS)
//   Reserved -dispensed-> Dispensing -journalled-> Committing -acknowledged-> Done
//   Reserved -void-> Voiding -acknowledged-> Voided
//   Committing | Voiding -contact_lost-> AdviceQueued    (the journal delivers it later)
//   Committing | Voiding -refused-> Disputed             (gateway rejected the advice)
//
// An event the current state has no reaction for is refused (post() returns false), never
// silently dropped: a commit after a void, or a second dispense, is a caller bug to report.
#pragma once

#include <memory>

namespace claimgate::sdk {

enum class TxState {
    idle,
    checking,
    eligible,
    ineligible,
    reserving,
    reserved,
    dispensing,
    committing,
    done,
    voiding,
    voided,
    advice_queued,
    disputed,
};

enum class TxEvent {
    check,
    eligible,
    ineligible,
    reserve,
    reserved,
    refused,
    contact_lost,
    resume,
    dispensed,
    journalled,
    void_requested,
    acknowledged,
};

[[nodiscard]] const char* txStateName(TxState state) noexcept;
[[nodiscard]] const char* txEventName(TxEvent event) noexcept;

class TransactionMachine {
public:
    TransactionMachine();
    ~TransactionMachine();
    TransactionMachine(const TransactionMachine&) = delete;
    TransactionMachine& operator=(const TransactionMachine&) = delete;

    /// Feeds one event. False when the current state refuses it (the state is unchanged).
    [[nodiscard]] bool post(TxEvent event);
    /// Feeds an event the caller's state guarantees (e.g. `acknowledged` right after the
    /// advice left from Committing). A refusal means the SDK lost track of a cash transaction:
    /// an invariant violation (CG_ASSERT), not an error to hand back.
    void advance(TxEvent event);
    [[nodiscard]] TxState state() const noexcept;
    /// No further event can be accepted.
    [[nodiscard]] bool finished() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace claimgate::sdk
