// Roster versions on SQLite, end to end in one process: `roster import` (RosterImporter)
// writes under a new version into a real ledger file; a RosterFollower on its own connection
// applies it to a serving index (in place, or by rebuilding when too much changed); --replace,
// status=excluded, bad lines; the index snapshot round trip.
#include "ledger_inspector.hpp"
#include "ledger_operation_builders.hpp"
#include "temp_dir.hpp"
#include "test_citizens.hpp"

#include <claimgate/gateway/eligibility_index.hpp>
#include <claimgate/gateway/roster_importer.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <claimgate/gateway/index_snapshot.hpp>
#include <claimgate/gateway/limits.hpp>
#include <claimgate/gateway/roster_follower.hpp>

#include <claimgate/protocols/citizen_keys.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace claimgate::gateway::testing {
namespace {

using claimgate::testing::nationalId;
using claimgate::testing::nhiCardNumber;
using claimgate::testing::writeFileBytes;

constexpr const char* kPepper = "follower-test-pepper";
constexpr const char* kHeader = "citizen_id,nhi_card_no,amount,proxies,claim_by,status,reason\n";

class RosterFollowerTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = std::make_unique<SqliteLedgerStore>(dir_.file("ledger.db"));
        store_->begin();
        store_->putProgram(testProgram());
        store_->commit();
    }

    protocols::Result<RosterImportSummary> import(const std::string& csv, bool replace = false) {
        const std::string path = dir_.file("roster-" + std::to_string(++files_) + ".csv");
        writeFileBytes(path, kHeader + csv);
        RosterImporter importer(*store_, kPepper);
        RosterImportOptions options;
        options.replace = replace;
        options.threads = 2;
        return importer.importFile("CASH2023", path, options, 1'700'000'000'000, nullptr);
    }

    std::unique_ptr<RosterFollower> follower(std::int64_t applied,
                                             std::int64_t catch_up_rows_max = 1000) {
        RosterFollower::Options options;
        options.catch_up_rows_max = catch_up_rows_max;
        return std::make_unique<RosterFollower>(
            index_, std::make_unique<SqliteLedgerStore>(dir_.file("ledger.db")), applied, options);
    }

    [[nodiscard]] std::optional<RosterView> find(const std::string& citizen) const {
        return index_.program("CASH2023")->find(keys_.citizenKey(citizen));
    }

    claimgate::testing::TempDir dir_;
    std::unique_ptr<SqliteLedgerStore> store_;
    EligibilityIndex index_;
    protocols::CitizenKeys keys_{kPepper};
    int files_ = 0;
};

TEST_F(RosterFollowerTest, AppliesAnImportToTheServingIndexInPlace) {
    const std::string a = nationalId(4001), b = nationalId(4002), c = nationalId(4003);
    auto first = import(a + "," + nhiCardNumber(1) + ",,,,,\n" + b + ",,,,,,\n");
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_EQ(first->version, 1);
    EXPECT_EQ(first->rows_imported, 2U);
    const std::int64_t loaded = index_.load(*store_);
    EXPECT_EQ(loaded, 1);
    auto follow = follower(loaded);

    auto second = import(c + ",,2500,,,,\n" + a + "," + nhiCardNumber(2) + ",,,,,\n");
    ASSERT_TRUE(second.ok()) << second.status().message();
    EXPECT_EQ(second->version, 2);
    EXPECT_FALSE(find(c));  // not applied yet
    ASSERT_TRUE(follow->catchUp().ok());
    EXPECT_EQ(follow->appliedVersion(), 2);
    EXPECT_EQ(follow->rebuilds(), 0U);
    ASSERT_TRUE(find(c));
    EXPECT_EQ(find(c)->amount, 2500);
    EXPECT_EQ(find(a)->nhi_tag, keys_.nhiTag(nhiCardNumber(2)));  // corrected NHI number
    EXPECT_TRUE(find(b));
    const std::string metrics = follow->renderMetrics();
    EXPECT_NE(metrics.find("claimgate_roster_version_applied{program=\"CASH2023\"} 2"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("claimgate_roster_version_latest{program=\"CASH2023\"} 2"),
              std::string::npos);
}

TEST_F(RosterFollowerTest, AnImportAloneOnTheLedgerSkipsTheWalAndLeavesItInWalMode) {
    const std::string a = nationalId(4011), b = nationalId(4012), c = nationalId(4013);
    // Alone: the rows go straight into the file under a rollback journal.
    auto alone = import(a + ",,,,,,\n" + b + ",,,,,,\n");
    ASSERT_TRUE(alone.ok()) << alone.status().message();
    EXPECT_EQ(store_->rollbackJournalRosters(), 1U);
    EXPECT_FALSE(std::filesystem::exists(dir_.file("ledger.db-journal")));
    EXPECT_EQ(claimgate::testing::journalMode(dir_.file("ledger.db")), "wal");
    // Beside another connection (a serving node's follower): WAL, and the reader is not
    // locked out while the import writes.
    auto follow = follower(0);
    auto beside = import(c + ",,,,,,\n");
    ASSERT_TRUE(beside.ok()) << beside.status().message();
    EXPECT_EQ(store_->rollbackJournalRosters(), 1U);
    ASSERT_TRUE(follow->catchUp().ok());
    EXPECT_TRUE(find(a) && find(b) && find(c));
    EXPECT_EQ(claimgate::testing::journalMode(dir_.file("ledger.db")), "wal");
    // A rolled-back import alone on the ledger leaves it in WAL mode too.
    follow.reset();
    auto refused = import(nationalId(4014) + ",,,,,,\nnot-an-id,,,,,,\n", /*replace=*/true);
    EXPECT_FALSE(refused.ok());
    EXPECT_EQ(store_->rollbackJournalRosters(), 2U);
    EXPECT_EQ(claimgate::testing::journalMode(dir_.file("ledger.db")), "wal");
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 3);
}

TEST_F(RosterFollowerTest, ReplaceRemovesAbsentCitizensAndExcludedRowsCarryTheirReason) {
    const std::string a = nationalId(4101), b = nationalId(4102), c = nationalId(4103);
    ASSERT_TRUE(import(a + ",,,,,,\n" + b + ",,,,,,\n" + c + ",,,,,,\n").ok());
    auto follow = follower(index_.load(*store_));
    index_.applyClaimState("CASH2023", keys_.citizenKey(b), protocols::ClaimStatus::paid,
                           protocols::Channel::atm, 1'700'000'000'000);

    auto replaced = import(a + ",,,,,,\n" + c + ",,,,,excluded,\n", /*replace=*/true);
    ASSERT_TRUE(replaced.ok()) << replaced.status().message();
    EXPECT_EQ(replaced->rows_removed, 1U);
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 2);
    ASSERT_TRUE(follow->catchUp().ok());
    EXPECT_TRUE(find(a));
    EXPECT_FALSE(find(b));  // no new claim; the paid one is the ledger's, untouched
    ASSERT_TRUE(find(c));
    EXPECT_TRUE(find(c)->excluded);
    EXPECT_EQ(find(c)->excluded_reason, std::string(protocols::kRosterExcludedDefaultReason));
    // Back on a later roster, the citizen's paid claim is still known to the index.
    ASSERT_TRUE(import(b + ",,,,,,\n").ok());
    ASSERT_TRUE(follow->catchUp().ok());
    ASSERT_TRUE(find(b));
    EXPECT_EQ(find(b)->claim_status, protocols::ClaimStatus::paid);
}

TEST_F(RosterFollowerTest, BadLinesAreReportedAndReplaceRefusesThemWholly) {
    const std::string a = nationalId(4201), b = nationalId(4202);
    ASSERT_TRUE(import(a + ",,,,,,\n" + b + ",,,,,,\n").ok());
    auto partial = import(a + ",,,,,,\n" + claimgate::testing::badChecksumId(4203) + ",,,,,,\n");
    ASSERT_TRUE(partial.ok());
    EXPECT_EQ(partial->lines_rejected, 1U);
    EXPECT_EQ(partial->problems.at(0).rfind("line 3: citizen_id: ", 0), 0U)
        << partial->problems.at(0);
    const std::int64_t before = store_->latestRosterVersion();
    auto refused = import(a + ",,,,,,\n" + a + ",,x,,,,\n", /*replace=*/true);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("--replace refuses"), std::string::npos);
    EXPECT_EQ(store_->latestRosterVersion(), before);  // nothing written, not even a version
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 2);
}

TEST_F(RosterFollowerTest, ACitizenTwiceInOneFileTakesTheLaterLine) {
    const std::string a = nationalId(4251);
    auto imported = import(a + ",,1000,,,,\n" + nationalId(4252) + ",,,,,,\n" + a + ",,2000,,,,\n");
    ASSERT_TRUE(imported.ok()) << imported.status().message();
    EXPECT_EQ(store_->countRosterRows("CASH2023"), 2);
    index_.load(*store_);
    EXPECT_EQ(find(a)->amount, 2000);
}

TEST_F(RosterFollowerTest, ACitizenInSeveralParsingChunksTakesTheLastLine) {
    // Lines are parsed in chunks of kRosterImportChunkLines and sorted per batch; a citizen
    // whose lines fall into different chunks must still end with the file's last line.
    const std::string twice = nationalId(7001);
    const std::string thrice = nationalId(7002);
    std::string csv = twice + ",,1000,,,,\n" + thrice + ",,1100,,,,\n";
    const auto fillers = static_cast<std::uint32_t>(kRosterImportChunkLines) + 100;
    for (std::uint32_t i = 0; i < fillers; ++i) {
        csv += nationalId(100'000 + i) + ",,,,,,\n";
        if (i == fillers / 2) csv += thrice + ",,1200,,,,\n";
    }
    csv += thrice + ",,1300,,,,\n" + twice + ",,2000,,,,\n";
    auto imported = import(csv);
    ASSERT_TRUE(imported.ok()) << imported.status().message();
    EXPECT_EQ(store_->countRosterRows("CASH2023"), std::int64_t{fillers} + 2);
    index_.load(*store_);
    EXPECT_EQ(find(twice)->amount, 2000);
    EXPECT_EQ(find(thrice)->amount, 1300);
}

TEST_F(RosterFollowerTest, TooManyChangesRebuildTheIndexInsteadOfApplyingThem) {
    ASSERT_TRUE(import(nationalId(4301) + ",,,,,,\n").ok());
    auto follow = follower(index_.load(*store_), /*catch_up_rows_max=*/2);
    std::string csv;
    for (std::uint32_t i = 0; i < 5; ++i) csv += nationalId(4310 + i) + ",,,,,,\n";
    ASSERT_TRUE(import(csv).ok());
    ASSERT_TRUE(follow->catchUp().ok());
    EXPECT_EQ(follow->rebuilds(), 1U);
    EXPECT_EQ(follow->appliedVersion(), 2);
    EXPECT_TRUE(find(nationalId(4314)));
    EXPECT_EQ(index_.entries(), 6U);
}

TEST_F(RosterFollowerTest, SnapshotRoundTripsAndCatchesUpFromItsVersion) {
    const std::string a = nationalId(4401), b = nationalId(4402);
    auto imported = import(a + "," + nhiCardNumber(9) + ",," + nationalId(4409) + ",either,,\n" +
                           nationalId(4403) + ",,,,,excluded,moved_abroad\n");
    ASSERT_TRUE(imported.ok()) << imported.status().message();
    ASSERT_EQ(imported->lines_rejected, 0U) << imported->problems.at(0);
    const std::int64_t version = index_.load(*store_);
    const std::string path = dir_.file("index.snapshot");
    ASSERT_TRUE(IndexSnapshot::write(path, index_, version).ok());
    ASSERT_TRUE(import(b + ",,,,,,\n").ok());

    auto loaded = IndexSnapshot::read(path, store_->loadPrograms());
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_EQ(loaded->version, version);
    EligibilityIndex restored;
    restored.install(std::move(loaded.value().programs), *store_);
    const auto view = restored.program("CASH2023")->find(keys_.citizenKey(a));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->nhi_tag, keys_.nhiTag(nhiCardNumber(9)));
    ASSERT_EQ(view->proxies.size(), 1U);
    EXPECT_EQ(view->proxies[0], indexKeyOf(keys_.citizenKey(nationalId(4409))));
    EXPECT_EQ(
        restored.program("CASH2023")->find(keys_.citizenKey(nationalId(4403)))->excluded_reason,
        "moved_abroad");
    EXPECT_FALSE(restored.program("CASH2023")->find(keys_.citizenKey(b)));
    RosterFollower catching_up(
        restored, std::make_unique<SqliteLedgerStore>(dir_.file("ledger.db")), loaded->version, {});
    ASSERT_TRUE(catching_up.catchUp().ok());
    EXPECT_TRUE(restored.program("CASH2023")->find(keys_.citizenKey(b)));

    // One flipped byte, a truncation or another program set: refused.
    std::string bytes = claimgate::testing::readFileBytes(path);
    bytes[bytes.size() / 3] = static_cast<char>(bytes[bytes.size() / 3] ^ 1);
    writeFileBytes(path, bytes);
    EXPECT_FALSE(IndexSnapshot::read(path, store_->loadPrograms()).ok());
    writeFileBytes(path, bytes.substr(0, bytes.size() - 1));
    EXPECT_FALSE(IndexSnapshot::read(path, store_->loadPrograms()).ok());
    EXPECT_FALSE(IndexSnapshot::read(path, {}).ok());
}

}  // namespace
}  // namespace claimgate::gateway::testing
