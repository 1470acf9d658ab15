// ProgramIndex while serving: roster changes applied in place are atomic per citizen for
// concurrent readers, removals hide a citizen but keep their claim state, claim times keep
// their milliseconds (eligibility's claim.at).
#include "ledger_operation_builders.hpp"

#include <claimgate/gateway/program_index.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace claimgate::gateway::testing {
namespace {

using protocols::Channel;
using protocols::ClaimBy;
using protocols::ClaimStatus;

RosterRow row(const std::string& citizen, std::int64_t amount = 0) {
    RosterRow roster_row;
    roster_row.program = "CASH2023";
    roster_row.citizen_key = keyFor(citizen);
    roster_row.amount = amount;
    return roster_row;
}

TEST(ProgramIndexLiveTest, ReadersSeeACitizenEntirelyBeforeOrAfterAChange) {
    ProgramIndex index(testProgram(), 1000);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(index.insert(row("other-" + std::to_string(i))));
    // Two consistent states of one citizen that differ in every field.
    RosterRow first = row("target", 1000);
    first.nhi_hash = keyFor("nhi-1");
    first.proxies = {keyFor("proxy-1")};
    first.claim_by = ClaimBy::either;
    RosterRow second = row("target", 2000);
    second.proxies = {keyFor("proxy-2"), keyFor("proxy-3")};
    second.claim_by = ClaimBy::proxy;
    second.excluded = "deceased";
    ASSERT_TRUE(index.insert(first));
    const std::uint64_t first_tag = protocols::CitizenKeys::nhiTagOf(*first.nhi_hash);

    std::atomic<bool> done{false};
    std::atomic<long> torn{0};
    std::atomic<long> reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            while (!done.load()) {
                const auto view = index.find(keyFor("target"));
                if (!view) {
                    ++torn;
                    continue;
                }
                const bool is_first = view->amount == 1000 && view->has_nhi &&
                                      view->nhi_tag == first_tag && view->proxies.size() == 1 &&
                                      view->proxies[0] == indexKeyOf(keyFor("proxy-1")) &&
                                      view->claim_by == ClaimBy::either && !view->excluded;
                const bool is_second = view->amount == 2000 && !view->has_nhi &&
                                       view->proxies.size() == 2 &&
                                       view->proxies[1] == indexKeyOf(keyFor("proxy-3")) &&
                                       view->claim_by == ClaimBy::proxy && view->excluded &&
                                       view->excluded_reason == "deceased";
                if (!is_first && !is_second) ++torn;
                ++reads;
            }
        });
    }
    // At least 20,000 changes and, on a busy machine, until the readers have read a while.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int i = 0;
         i < 20'000 || (reads.load() < 20'000 && std::chrono::steady_clock::now() < give_up); ++i) {
        ASSERT_EQ(index.upsert(i % 2 == 0 ? second : first), IndexChange::applied);
    }
    done = true;
    for (auto& reader : readers) reader.join();
    EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
    EXPECT_GT(reads.load(), 0);
}

TEST(ProgramIndexLiveTest, RemovalHidesTheCitizenAndKeepsTheClaimState) {
    ProgramIndex index(testProgram(), 10);
    ASSERT_TRUE(index.insert(row("a")));
    ASSERT_TRUE(
        index.setClaimState(keyFor("a"), ClaimStatus::paid, Channel::atm, 1'685'592'000'123));
    RosterRow removal = row("a");
    removal.removed = true;
    ASSERT_EQ(index.upsert(removal), IndexChange::applied);
    EXPECT_FALSE(index.find(keyFor("a")));
    // Back on the roster: the paid claim is still known.
    ASSERT_EQ(index.upsert(row("a", 500)), IndexChange::applied);
    const auto view = index.find(keyFor("a"));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->claim_status, ClaimStatus::paid);
    EXPECT_EQ(view->amount, 500);
    // Removing someone never on the roster changes nothing.
    RosterRow stranger = row("stranger");
    stranger.removed = true;
    EXPECT_EQ(index.upsert(stranger), IndexChange::applied);
    EXPECT_EQ(index.size(), 1U);
}

TEST(ProgramIndexLiveTest, ClaimTimesKeepMilliseconds) {
    ProgramIndex index(testProgram(), 10);
    ASSERT_TRUE(index.insert(row("a")));
    const std::int64_t at = 1'685'592'000'123;
    ASSERT_TRUE(index.setClaimState(keyFor("a"), ClaimStatus::held, Channel::kiosk, at));
    EXPECT_EQ(index.find(keyFor("a"))->claim_since_millis, at);
    ASSERT_TRUE(index.setClaimState(keyFor("a"), ClaimStatus::paid, Channel::kiosk, at + 1));
    EXPECT_EQ(index.find(keyFor("a"))->claim_since_millis, at + 1);
}

TEST(ProgramIndexLiveTest, NewCitizensBeyondTheLiveLoadFactorAskForARebuild) {
    ProgramIndex index(testProgram(), 100);
    std::size_t added = 0;
    while (added < 1000 && index.upsert(row("n" + std::to_string(added))) == IndexChange::applied) {
        ++added;
    }
    EXPECT_GE(added, 100U);
    EXPECT_LT(added, index.capacity());
    EXPECT_EQ(index.upsert(row("one-more")), IndexChange::table_full);
    EXPECT_FALSE(index.find(keyFor("one-more")));
    // Changing someone already there still works when the table is full.
    EXPECT_EQ(index.upsert(row("n0", 42)), IndexChange::applied);
    EXPECT_EQ(index.find(keyFor("n0"))->amount, 42);
}

}  // namespace
}  // namespace claimgate::gateway::testing
