// EligibilityIndex / ProgramIndex: roster lookups, claim-state mirroring, proxies, memory per
// entry (contracts §6: <= 48 bytes per entry including the load factor), loading from a ledger.
#include "ledger_operation_builders.hpp"

#include "temp_dir.hpp"
#include <claimgate/gateway/eligibility_index.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <gtest/gtest.h>

namespace claimgate::gateway::testing {
namespace {

using protocols::Channel;
using protocols::ClaimBy;
using protocols::ClaimStatus;

RosterRow rowFor(const std::string& citizen, std::int64_t amount = 0) {
    RosterRow row;
    row.program = "CASH2023";
    row.citizen_key = keyFor(citizen);
    row.amount = amount;
    return row;
}

TEST(ProgramIndexTest, FindsInsertedRowsWithResolvedAmount) {
    ProgramIndex index(testProgram(), 10);
    ASSERT_TRUE(index.insert(rowFor("a")));
    ASSERT_TRUE(index.insert(rowFor("b", 3000)));
    const auto a = index.find(keyFor("a"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->amount, 6000);
    EXPECT_EQ(a->claim_status, ClaimStatus::none);
    EXPECT_FALSE(a->excluded);
    EXPECT_FALSE(a->has_nhi);
    EXPECT_EQ(index.find(keyFor("b"))->amount, 3000);
    EXPECT_FALSE(index.find(keyFor("c")));
    EXPECT_EQ(index.size(), 2U);
}

TEST(ProgramIndexTest, KeepsNhiClaimByAndExclusion) {
    ProgramIndex index(testProgram(), 10);
    RosterRow row = rowFor("n");
    row.nhi_hash = keyFor("nhi");
    row.claim_by = ClaimBy::either;
    ASSERT_TRUE(index.insert(row));
    RosterRow excluded = rowFor("x");
    excluded.excluded = "paid_by_direct_deposit";
    ASSERT_TRUE(index.insert(excluded));
    const auto n = index.find(keyFor("n"));
    ASSERT_TRUE(n);
    EXPECT_TRUE(n->has_nhi);
    EXPECT_EQ(n->claim_by, ClaimBy::either);
    const auto x = index.find(keyFor("x"));
    ASSERT_TRUE(x);
    EXPECT_TRUE(x->excluded);
    EXPECT_EQ(x->excluded_reason, "paid_by_direct_deposit");
}

TEST(ProgramIndexTest, KeepsProxies) {
    ProgramIndex index(testProgram(), 10);
    RosterRow child = rowFor("child");
    child.proxies = {keyFor("mother"), keyFor("father")};
    child.claim_by = ClaimBy::proxy;
    ASSERT_TRUE(index.insert(child));
    ASSERT_TRUE(index.insert(rowFor("alone")));
    const auto view = index.find(keyFor("child"));
    ASSERT_TRUE(view);
    ASSERT_EQ(view->proxies.size(), 2U);
    EXPECT_EQ(view->proxies[0], indexKeyOf(keyFor("mother")));
    EXPECT_EQ(view->proxies[1], indexKeyOf(keyFor("father")));
    EXPECT_EQ(view->claim_by, ClaimBy::proxy);
    EXPECT_TRUE(index.find(keyFor("alone"))->proxies.empty());
}

TEST(ProgramIndexTest, SetClaimStateIsMirroredAndKeepsTheRosterPart) {
    ProgramIndex index(testProgram(), 10);
    RosterRow row = rowFor("a", 2500);
    row.nhi_hash = keyFor("nhi");
    ASSERT_TRUE(index.insert(row));
    const std::int64_t at = 1'685'592'000'000;
    ASSERT_TRUE(index.setClaimState(keyFor("a"), ClaimStatus::held, Channel::kiosk, at));
    auto view = index.find(keyFor("a"));
    EXPECT_EQ(view->claim_status, ClaimStatus::held);
    EXPECT_EQ(view->claim_channel, Channel::kiosk);
    EXPECT_EQ(view->claim_since_millis, at);
    EXPECT_EQ(view->amount, 2500);
    EXPECT_TRUE(view->has_nhi);
    ASSERT_TRUE(index.setClaimState(keyFor("a"), ClaimStatus::paid, Channel::kiosk, at + 5000));
    view = index.find(keyFor("a"));
    EXPECT_EQ(view->claim_status, ClaimStatus::paid);
    EXPECT_EQ(view->claim_since_millis, at + 5000);
    EXPECT_FALSE(index.setClaimState(keyFor("nobody"), ClaimStatus::held, Channel::atm, at));
}

TEST(ProgramIndexTest, AtMost48BytesPerEntryIncludingLoadFactor) {
    constexpr std::size_t kEntries = 200'000;
    ProgramIndex index(testProgram(), kEntries);
    for (std::size_t i = 0; i < kEntries; ++i) {
        ASSERT_TRUE(index.insert(rowFor("citizen-" + std::to_string(i)))) << i;
    }
    EXPECT_EQ(index.size(), kEntries);
    const double per_entry =
        static_cast<double>(index.bytesUsed()) / static_cast<double>(index.size());
    EXPECT_LE(per_entry, 48.0);
    for (std::size_t i = 0; i < kEntries; i += 997) {
        EXPECT_TRUE(index.find(keyFor("citizen-" + std::to_string(i)))) << i;
    }
    EXPECT_FALSE(index.find(keyFor("citizen-" + std::to_string(kEntries))));
}

TEST(ProgramIndexTest, RefusesInsertWhenFull) {
    ProgramIndex index(testProgram(), 1);
    std::size_t inserted = 0;
    while (inserted < 1000 && index.insert(rowFor("f" + std::to_string(inserted)))) ++inserted;
    EXPECT_LT(inserted, 1000U);
    EXPECT_LT(inserted, index.capacity());
}

TEST(EligibilityIndexTest, LoadsRosterAndBlockingClaimsFromTheLedger) {
    claimgate::testing::TempDir dir;
    SqliteLedgerStore store(dir.file("ledger.db"));
    store.begin();
    store.putProgram(testProgram());
    store.putProgram(testProgram("OTHER", 100));
    store.upsertRosterRow(rowFor("a"));
    store.upsertRosterRow(rowFor("b"));
    ClaimRecord claim;
    claim.claim_id = "c_test";
    claim.claim_code = "0000000001";
    claim.program = "CASH2023";
    claim.citizen_key = keyFor("b");
    claim.citizen_mask = "B12*****89";
    claim.channel = Channel::counter;
    claim.operator_id = "POST700";
    claim.terminal_id = "counter-0001";
    claim.amount = 6000;
    claim.status = ClaimStatus::paid;
    claim.held_at = 1'685'592'000'000;
    claim.expires_at = claim.held_at + 120'000;
    claim.paid_at = claim.held_at + 1000;
    ASSERT_TRUE(store.insertClaim(claim));
    store.commit();

    EligibilityIndex index;
    index.load(store);
    EXPECT_EQ(index.entries(), 2U);
    EXPECT_EQ(index.programs().size(), 2U);
    EXPECT_FALSE(index.program("NOSUCH"));
    const auto program = index.program("CASH2023");
    ASSERT_TRUE(program);
    EXPECT_EQ(program->find(keyFor("a"))->claim_status, ClaimStatus::none);
    const auto b = program->find(keyFor("b"));
    EXPECT_EQ(b->claim_status, ClaimStatus::paid);
    EXPECT_EQ(b->claim_channel, Channel::counter);
    index.applyClaimState("CASH2023", keyFor("a"), ClaimStatus::held, Channel::atm, claim.held_at);
    EXPECT_EQ(index.program("CASH2023")->find(keyFor("a"))->claim_status, ClaimStatus::held);
    EXPECT_GT(index.bytesUsed(), 0U);
}

}  // namespace
}  // namespace claimgate::gateway::testing
