// Every transition of the transaction chart (contracts §7), and that an event a state has no
// reaction for is refused (post() == false, state unchanged) rather than silently ignored.
#include "transaction_machine.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>
#include <vector>

namespace claimgate::sdk {
namespace {

struct Path {
    std::vector<TxEvent> events;
    TxState expected;
};

class TransactionMachineTest : public ::testing::TestWithParam<Path> {};

TEST_P(TransactionMachineTest, EventSequenceEndsInExpectedState) {
    TransactionMachine machine;
    EXPECT_EQ(machine.state(), TxState::idle);
    for (TxEvent event : GetParam().events) {
        ASSERT_TRUE(machine.post(event))
            << "refused " << txEventName(event) << " in " << txStateName(machine.state());
    }
    EXPECT_EQ(machine.state(), GetParam().expected) << txStateName(machine.state());
}

using E = TxEvent;
using S = TxState;

INSTANTIATE_TEST_SUITE_P(
    AllTransitions, TransactionMachineTest,
    ::testing::Values(
        Path{{E::check}, S::checking}, Path{{E::check, E::eligible}, S::eligible},
        Path{{E::check, E::ineligible}, S::ineligible}, Path{{E::check, E::refused}, S::ineligible},
        Path{{E::check, E::contact_lost}, S::idle},
        Path{{E::check, E::eligible, E::check}, S::checking},
        Path{{E::check, E::eligible, E::reserve}, S::reserving}, Path{{E::reserve}, S::reserving},
        Path{{E::reserve, E::reserved}, S::reserved}, Path{{E::reserve, E::refused}, S::ineligible},
        Path{{E::reserve, E::contact_lost}, S::idle}, Path{{E::resume}, S::reserved},
        Path{{E::reserve, E::reserved, E::dispensed}, S::dispensing},
        Path{{E::reserve, E::reserved, E::dispensed, E::journalled}, S::committing},
        Path{{E::check, E::eligible, E::reserve, E::reserved, E::dispensed, E::journalled,
              E::acknowledged},
             S::done},
        Path{{E::resume, E::dispensed, E::journalled, E::contact_lost}, S::advice_queued},
        Path{{E::resume, E::dispensed, E::journalled, E::refused}, S::disputed},
        Path{{E::reserve, E::reserved, E::void_requested}, S::voiding},
        Path{{E::reserve, E::reserved, E::void_requested, E::acknowledged}, S::voided},
        Path{{E::resume, E::void_requested, E::contact_lost}, S::advice_queued},
        Path{{E::resume, E::void_requested, E::refused}, S::disputed}));

TEST(TransactionMachineRefusal, CommitWithoutReserveIsRefused) {
    TransactionMachine machine;
    EXPECT_FALSE(machine.post(TxEvent::dispensed));
    EXPECT_EQ(machine.state(), TxState::idle);
}

TEST(TransactionMachineRefusal, CommitAfterVoidIsRefused) {
    TransactionMachine machine;
    ASSERT_TRUE(machine.post(TxEvent::resume));
    ASSERT_TRUE(machine.post(TxEvent::void_requested));
    ASSERT_TRUE(machine.post(TxEvent::acknowledged));
    EXPECT_FALSE(machine.post(TxEvent::dispensed));
    EXPECT_EQ(machine.state(), TxState::voided);
    EXPECT_TRUE(machine.finished());
}

TEST(TransactionMachineRefusal, SecondDispenseIsRefused) {
    TransactionMachine machine;
    ASSERT_TRUE(machine.post(TxEvent::resume));
    ASSERT_TRUE(machine.post(TxEvent::dispensed));
    EXPECT_FALSE(machine.post(TxEvent::dispensed));
    EXPECT_EQ(machine.state(), TxState::dispensing);
}

TEST(TransactionMachineRefusal, VoidAfterCashLeftIsRefused) {
    TransactionMachine machine;
    ASSERT_TRUE(machine.post(TxEvent::resume));
    ASSERT_TRUE(machine.post(TxEvent::dispensed));
    ASSERT_TRUE(machine.post(TxEvent::journalled));
    EXPECT_FALSE(machine.post(TxEvent::void_requested));
    ASSERT_TRUE(machine.post(TxEvent::contact_lost));
    EXPECT_EQ(machine.state(), TxState::advice_queued);
    EXPECT_FALSE(machine.post(TxEvent::void_requested));
}

TEST(TransactionMachineRefusal, EveryFinalStateRefusesEveryEvent) {
    const std::vector<std::vector<TxEvent>> to_final = {
        {E::check, E::ineligible},
        {E::resume, E::dispensed, E::journalled, E::acknowledged},
        {E::resume, E::void_requested, E::acknowledged},
        {E::resume, E::dispensed, E::journalled, E::contact_lost}};
    for (const auto& path : to_final) {
        for (int e = 0; e <= static_cast<int>(E::acknowledged); ++e) {
            TransactionMachine machine;
            for (TxEvent event : path) {
                ASSERT_TRUE(machine.post(event));
            }
            const TxState before = machine.state();
            EXPECT_TRUE(machine.finished());
            EXPECT_FALSE(machine.post(static_cast<TxEvent>(e)))
                << txStateName(before) << " accepted " << txEventName(static_cast<TxEvent>(e));
            EXPECT_EQ(machine.state(), before);
        }
    }
}

// Issue 12: a hold whose commit the gateway refused for good can still be released.
TEST(TransactionMachineRefusal, RefusedCommitCanStillBeVoidedButNotCommittedAgain) {
    TransactionMachine machine;
    for (TxEvent event : {E::resume, E::dispensed, E::journalled, E::refused}) {
        ASSERT_TRUE(machine.post(event));
    }
    EXPECT_EQ(machine.state(), TxState::disputed);
    EXPECT_FALSE(machine.finished());
    EXPECT_FALSE(machine.post(TxEvent::dispensed));
    ASSERT_TRUE(machine.post(TxEvent::void_requested));
    ASSERT_TRUE(machine.post(TxEvent::acknowledged));
    EXPECT_EQ(machine.state(), TxState::voided);
}

TEST(TransactionMachineRefusal, RefusalLeavesMachineUsable) {
    TransactionMachine machine;
    EXPECT_FALSE(machine.post(TxEvent::acknowledged));
    EXPECT_TRUE(machine.post(TxEvent::check));
    EXPECT_EQ(machine.state(), TxState::checking);
}

TEST(TransactionMachineAdvance, GuaranteedTransitionMoves) {
    TransactionMachine machine;
    machine.advance(TxEvent::resume);
    EXPECT_EQ(machine.state(), TxState::reserved);
}

TEST(TransactionMachineAdvanceDeathTest, RefusedGuaranteedTransitionAbortsInReleaseBuilds) {
    // CG_ASSERT is always on: a client that lost track of a cash transaction stops loudly.
    EXPECT_DEATH(
        {
            TransactionMachine machine;
            machine.advance(TxEvent::acknowledged);
        },
        "invariant violated: accepted \\(an SDK transaction refused a transition");
}

TEST(TransactionMachineNames, StatesHaveDesignNames) {
    EXPECT_STREQ(txStateName(TxState::advice_queued), "AdviceQueued");
    EXPECT_STREQ(txStateName(TxState::idle), "Idle");
    EXPECT_STREQ(txStateName(TxState::done), "Done");
}

}  // namespace
}  // namespace claimgate::sdk
