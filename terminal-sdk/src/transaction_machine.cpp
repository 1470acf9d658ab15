// File: transaction_machine.cpp
// The Boost.Statechart chart behind TransactionMachine. Reactions do no I/O and cannot throw
// (an exception in a reaction would terminate the machine): the client core does the network
// and journal work between events and reports the outcome as the next event.
#include "transaction_machine.hpp"

#include <claimgate/protocols/invariant.hpp>

#include <boost/mpl/list.hpp>
#include <boost/statechart/event.hpp>
#include <boost/statechart/state.hpp>
#include <boost/statechart/state_machine.hpp>
#include <boost/statechart/transition.hpp>

namespace claimgate::sdk {

namespace sc = boost::statechart;
namespace mpl = boost::mpl;

// A named namespace, not an anonymous one: Statechart's default transition context declares a
// member function it never defines, and clang refuses that for types without linkage. The
// names stay private to this file because the SDK is built with hidden visibility.
namespace statechart_model {

struct EvCheck : sc::event<EvCheck> {};
struct EvEligible : sc::event<EvEligible> {};
struct EvIneligible : sc::event<EvIneligible> {};
struct EvReserve : sc::event<EvReserve> {};
struct EvReserved : sc::event<EvReserved> {};
struct EvRefused : sc::event<EvRefused> {};
struct EvContactLost : sc::event<EvContactLost> {};
struct EvResume : sc::event<EvResume> {};
struct EvDispensed : sc::event<EvDispensed> {};
struct EvJournalled : sc::event<EvJournalled> {};
struct EvVoid : sc::event<EvVoid> {};
struct EvAcknowledged : sc::event<EvAcknowledged> {};

struct Idle;
struct Checking;
struct Eligible;
struct Ineligible;
struct Reserving;
struct Reserved;
struct Dispensing;
struct Committing;
struct Done;
struct Voiding;
struct Voided;
struct AdviceQueued;
struct Disputed;

struct Chart : sc::state_machine<Chart, Idle> {
    TxState current = TxState::idle;
    bool refused = false;

    // Statechart calls this (statically, on the most-derived machine) for an event no active
    // state reacts to. Flag it; the wrapper turns it into a refusal. Not throwing keeps the
    // machine alive.
    void unconsumed_event(const sc::event_base&) { refused = true; }
};

// Every state records itself on entry so state() needs no RTTI walk.
template <typename Derived, TxState kId>
struct TxStateBase : sc::state<Derived, Chart> {
    using Base = sc::state<Derived, Chart>;
    explicit TxStateBase(typename Base::my_context context) : Base(context) {
        this->outermost_context().current = kId;
    }
};

struct Idle : TxStateBase<Idle, TxState::idle> {
    using reactions =
        mpl::list<sc::transition<EvCheck, Checking>, sc::transition<EvReserve, Reserving>,
                  sc::transition<EvResume, Reserved>>;
    using TxStateBase::TxStateBase;
};
struct Checking : TxStateBase<Checking, TxState::checking> {
    using reactions =
        mpl::list<sc::transition<EvEligible, Eligible>, sc::transition<EvIneligible, Ineligible>,
                  sc::transition<EvRefused, Ineligible>, sc::transition<EvContactLost, Idle>>;
    using TxStateBase::TxStateBase;
};
struct Eligible : TxStateBase<Eligible, TxState::eligible> {
    using reactions =
        mpl::list<sc::transition<EvReserve, Reserving>, sc::transition<EvCheck, Checking>>;
    using TxStateBase::TxStateBase;
};
struct Ineligible : TxStateBase<Ineligible, TxState::ineligible> {
    using TxStateBase::TxStateBase;
};
struct Reserving : TxStateBase<Reserving, TxState::reserving> {
    using reactions =
        mpl::list<sc::transition<EvReserved, Reserved>, sc::transition<EvRefused, Ineligible>,
                  sc::transition<EvContactLost, Idle>>;
    using TxStateBase::TxStateBase;
};
struct Reserved : TxStateBase<Reserved, TxState::reserved> {
    using reactions =
        mpl::list<sc::transition<EvDispensed, Dispensing>, sc::transition<EvVoid, Voiding>>;
    using TxStateBase::TxStateBase;
};
struct Dispensing : TxStateBase<Dispensing, TxState::dispensing> {
    using reactions = mpl::list<sc::transition<EvJournalled, Committing>>;
    using TxStateBase::TxStateBase;
};
struct Committing : TxStateBase<Committing, TxState::committing> {
    using reactions =
        mpl::list<sc::transition<EvAcknowledged, Done>, sc::transition<EvContactLost, AdviceQueued>,
                  sc::transition<EvRefused, Disputed>>;
    using TxStateBase::TxStateBase;
};
struct Done : TxStateBase<Done, TxState::done> {
    using TxStateBase::TxStateBase;
};
struct Voiding : TxStateBase<Voiding, TxState::voiding> {
    using reactions =
        mpl::list<sc::transition<EvAcknowledged, Voided>,
                  sc::transition<EvContactLost, AdviceQueued>, sc::transition<EvRefused, Disputed>>;
    using TxStateBase::TxStateBase;
};
struct Voided : TxStateBase<Voided, TxState::voided> {
    using TxStateBase::TxStateBase;
};
struct AdviceQueued : TxStateBase<AdviceQueued, TxState::advice_queued> {
    using TxStateBase::TxStateBase;
};
struct Disputed : TxStateBase<Disputed, TxState::disputed> {
    // The gateway refused the commit for good (e.g. amount_mismatch): the hold may still be
    // released, so the claim does not sit until finance resolves it.
    using reactions = mpl::list<sc::transition<EvVoid, Voiding>>;
    using TxStateBase::TxStateBase;
};

}  // namespace statechart_model

struct TransactionMachine::Impl {
    statechart_model::Chart chart;
};

TransactionMachine::TransactionMachine() : impl_(std::make_unique<Impl>()) {
    impl_->chart.initiate();
}

TransactionMachine::~TransactionMachine() = default;

bool TransactionMachine::post(TxEvent event) {
    statechart_model::Chart& chart = impl_->chart;
    chart.refused = false;
    switch (event) {
        case TxEvent::check:
            chart.process_event(statechart_model::EvCheck());
            break;
        case TxEvent::eligible:
            chart.process_event(statechart_model::EvEligible());
            break;
        case TxEvent::ineligible:
            chart.process_event(statechart_model::EvIneligible());
            break;
        case TxEvent::reserve:
            chart.process_event(statechart_model::EvReserve());
            break;
        case TxEvent::reserved:
            chart.process_event(statechart_model::EvReserved());
            break;
        case TxEvent::refused:
            chart.process_event(statechart_model::EvRefused());
            break;
        case TxEvent::contact_lost:
            chart.process_event(statechart_model::EvContactLost());
            break;
        case TxEvent::resume:
            chart.process_event(statechart_model::EvResume());
            break;
        case TxEvent::dispensed:
            chart.process_event(statechart_model::EvDispensed());
            break;
        case TxEvent::journalled:
            chart.process_event(statechart_model::EvJournalled());
            break;
        case TxEvent::void_requested:
            chart.process_event(statechart_model::EvVoid());
            break;
        case TxEvent::acknowledged:
            chart.process_event(statechart_model::EvAcknowledged());
            break;
    }
    return !chart.refused && !chart.terminated();
}

void TransactionMachine::advance(TxEvent event) {
    const bool accepted = post(event);
    CG_ASSERT(accepted, "an SDK transaction refused a transition its state guarantees");
}

TxState TransactionMachine::state() const noexcept { return impl_->chart.current; }

bool TransactionMachine::finished() const noexcept {
    switch (state()) {
        case TxState::ineligible:
        case TxState::done:
        case TxState::voided:
        case TxState::advice_queued:
            return true;
        default:
            return false;
    }
}

const char* txStateName(TxState state) noexcept {
    switch (state) {
        case TxState::idle:
            return "Idle";
        case TxState::checking:
            return "Checking";
        case TxState::eligible:
            return "Eligible";
        case TxState::ineligible:
            return "Ineligible";
        case TxState::reserving:
            return "Reserving";
        case TxState::reserved:
            return "Reserved";
        case TxState::dispensing:
            return "Dispensing";
        case TxState::committing:
            return "Committing";
        case TxState::done:
            return "Done";
        case TxState::voiding:
            return "Voiding";
        case TxState::voided:
            return "Voided";
        case TxState::advice_queued:
            return "AdviceQueued";
        case TxState::disputed:
            return "Disputed";
    }
    return "Unknown";
}

const char* txEventName(TxEvent event) noexcept {
    switch (event) {
        case TxEvent::check:
            return "check";
        case TxEvent::eligible:
            return "eligible";
        case TxEvent::ineligible:
            return "ineligible";
        case TxEvent::reserve:
            return "reserve";
        case TxEvent::reserved:
            return "reserved";
        case TxEvent::refused:
            return "refused";
        case TxEvent::contact_lost:
            return "contact_lost";
        case TxEvent::resume:
            return "resume";
        case TxEvent::dispensed:
            return "dispensed";
        case TxEvent::journalled:
            return "journalled";
        case TxEvent::void_requested:
            return "void_requested";
        case TxEvent::acknowledged:
            return "acknowledged";
    }
    return "unknown";
}

}  // namespace claimgate::sdk
