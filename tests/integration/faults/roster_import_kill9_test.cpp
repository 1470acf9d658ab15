// `claimgate-gateway roster import` killed with SIGKILL in the middle of a bulk load. Alone on
// the ledger, the import leaves WAL mode and writes under a rollback journal (docs/performance.md,
// roster import), so a crash there leaves a hot journal instead of uncommitted WAL frames. The
// next opener must roll it back: the program keeps exactly the roster it had before the import
// (never half of the new file), the file is intact and back in WAL mode, a node serves from it,
// and the same import run again completes.
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_inspector.hpp"
#include "ledger_seed.hpp"
#include "temp_dir.hpp"
#include "test_citizens.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace claimgate::testing {
namespace {

constexpr const char* kProgram = "CASH2023";
constexpr std::size_t kOldRosterRows = 100;
// Large enough that the import is still writing well after its journal appears (about a second
// on a 2-core CI box), small enough to keep the test to a few seconds.
constexpr int kNewRosterRows = 150'000;
constexpr auto kKillAfterJournal = std::chrono::milliseconds(50);

bool fileExists(const std::string& path) {
    std::error_code error;
    return std::filesystem::exists(path, error);
}

std::int64_t fileSize(const std::string& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    return error ? -1 : static_cast<std::int64_t>(size);
}

/// The first citizen ID of a roster CSV written by `claimgate-sim roster` (after its header).
std::string firstCitizenOf(const std::string& csv_path) {
    std::ifstream csv(csv_path);
    std::string line;
    std::getline(csv, line);  // header
    std::getline(csv, line);
    return line.substr(0, line.find(','));
}

/// When to kill the import.
enum class KillPoint {
    /// Its rollback journal has just appeared: rows are being loaded into the page cache and
    /// the database file is untouched.
    loading,
    /// The database file has started to grow: COMMIT is writing pages into it.
    committing,
};

std::string killPointName(const ::testing::TestParamInfo<KillPoint>& info) {
    return info.param == KillPoint::loading ? "WhileLoading" : "WhileCommitting";
}

class RosterImportKill9Test : public ::testing::TestWithParam<KillPoint> {
protected:
    void SetUp() override {
        writeFileBytes(temp_.file("program.json"),
                       programJson(kProgram, 6000, {"atm", "kiosk", "counter"}, {},
                                   "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
        const auto put = runCommand(
            {cli_, "program", "put", "--data-dir", data_dir_, temp_.file("program.json")},
            temp_.file("put.log"));
        ASSERT_EQ(put.exit_code, 0) << put.output;
        std::vector<RosterEntry> old_roster;
        for (std::uint32_t i = 0; i < kOldRosterRows; ++i) {
            old_citizens_.push_back(nationalId(70'000 + i));
            old_roster.push_back({old_citizens_.back(),
                                  std::nullopt,
                                  0,
                                  {},
                                  protocols::ClaimBy::self,
                                  std::nullopt});
        }
        writeFileBytes(temp_.file("old.csv"), rosterCsv(old_roster));
        const auto first = runCommand({cli_, "roster", "import", "--data-dir", data_dir_,
                                       "--program", kProgram, temp_.file("old.csv")},
                                      temp_.file("import-old.log"));
        ASSERT_EQ(first.exit_code, 0) << first.output;
        ASSERT_EQ(countRows(ledger_, "roster"), static_cast<std::int64_t>(kOldRosterRows));

        const auto generated =
            runCommand({binDir() + "/claimgate-sim", "roster", "--count",
                        std::to_string(kNewRosterRows), "--seed", "9", "--out", new_csv_},
                       temp_.file("gen.log"));
        ASSERT_EQ(generated.exit_code, 0) << generated.output;
        new_citizen_ = firstCitizenOf(new_csv_);
        ASSERT_FALSE(new_citizen_.empty());
    }

    [[nodiscard]] std::vector<std::string> importNew() const {
        return {cli_, "roster", "import", "--data-dir", data_dir_, "--program", kProgram, new_csv_};
    }

    /// Starts the new import and SIGKILLs it at `point`. False if it ended first.
    bool importAndKill(KillPoint point) {
        const std::int64_t size_before = fileSize(ledger_);
        const std::string log = temp_.file("import-killed.log");
        const pid_t pid = spawn(importNew(), log, log);
        EXPECT_GT(pid, 0);
        if (pid <= 0) return false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        const auto reached = [&] {
            return point == KillPoint::loading ? fileExists(journal_)
                                               : fileSize(ledger_) > size_before;
        };
        int status = 0;
        while (!reached() && std::chrono::steady_clock::now() < deadline &&
               ::waitpid(pid, &status, WNOHANG) == 0) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        if (point == KillPoint::loading) std::this_thread::sleep_for(kKillAfterJournal);
        const bool still_running = ::waitpid(pid, &status, WNOHANG) == 0;
        ::kill(pid, SIGKILL);
        if (still_running) ::waitpid(pid, &status, 0);
        return still_running && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    }

    TempDir temp_{"cg-import-kill9"};
    const std::string cli_ = binDir() + "/claimgate-gateway";
    const std::string data_dir_ = temp_.file("data");
    const std::string ledger_ = data_dir_ + "/ledger.db";
    const std::string journal_ = ledger_ + "-journal";
    const std::string new_csv_ = temp_.file("new.csv");
    std::vector<std::string> old_citizens_;
    std::string new_citizen_;
};

TEST_P(RosterImportKill9Test, KilledBulkImportKeepsTheOldRosterAndTheSameImportThenCompletes) {
    ASSERT_TRUE(importAndKill(GetParam()))
        << "the import finished before it could be killed; raise kNewRosterRows";
    ASSERT_GT(fileSize(journal_), 0) << "no hot journal left behind: the kill came too late";

    // A node opens the ledger: SQLite rolls the hot journal back before the first read.
    const std::string logs = temp_.file("logs");
    ASSERT_EQ(::mkdir(logs.c_str(), 0700), 0);
    {
        GatewayProcess node(data_dir_, TestPki::shared().dir(), logs,
                            {"--sweep-interval-ms", "600000"});
        ASSERT_TRUE(node.start()) << node.error();
        auto client = GatewayTestClient::forTerminal(node.apiPort(), "atm-0001");
        const HttpReply old_one =
            client.post("/v1/eligibility", nlohmann::json{{"program", kProgram},
                                                          {"citizen_id", old_citizens_[42]},
                                                          {"channel", "atm"}});
        EXPECT_EQ(old_one.status, 200) << old_one.describe();
        EXPECT_EQ(old_one.json["eligible"], true) << old_one.describe();
        const HttpReply new_one =
            client.post("/v1/eligibility", nlohmann::json{{"program", kProgram},
                                                          {"citizen_id", new_citizen_},
                                                          {"channel", "atm"}});
        EXPECT_EQ(new_one.status, 200) << new_one.describe();
        EXPECT_EQ(new_one.json["eligible"], false)
            << "a row of the killed import is visible: " << new_one.describe();
        EXPECT_EQ(node.terminate(), 0);
    }
    EXPECT_LE(fileSize(journal_), 0) << "the hot journal is still there";
    EXPECT_EQ(integrityCheck(ledger_), "ok");
    EXPECT_EQ(journalMode(ledger_), "wal");
    EXPECT_EQ(countRows(ledger_, "roster"), static_cast<std::int64_t>(kOldRosterRows))
        << "the killed import left part of its rows";
    EXPECT_EQ(countRows(ledger_, "roster_versions"), 1) << "the killed import's version survived";

    // The same import again runs to the end.
    const auto again =
        runCommand(importNew(), temp_.file("import-again.log"), std::chrono::seconds(120));
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_GE(countRows(ledger_, "roster"),
              static_cast<std::int64_t>(kOldRosterRows) + kNewRosterRows / 2);
    EXPECT_EQ(countRows(ledger_, "roster_versions"), 2);
    EXPECT_EQ(integrityCheck(ledger_), "ok");
    EXPECT_EQ(journalMode(ledger_), "wal");
}

INSTANTIATE_TEST_SUITE_P(KillPoints, RosterImportKill9Test,
                         ::testing::Values(KillPoint::loading, KillPoint::committing),
                         killPointName);

}  // namespace
}  // namespace claimgate::testing
