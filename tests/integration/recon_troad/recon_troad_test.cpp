// `claimgate-recon pull` and `push` (contracts §8, §11) as real processes against a real
// `claimgate-sim troad` on 127.0.0.1:0 with the dev PKI and mutual TLS: programs and rosters
// land in the ledger, a second pull applies nothing, churn and interrupted pulls resume from the
// page cursor, imported payouts make a real gateway refuse the citizen, claims are pushed once
// as signed batches, a bad platform signature applies nothing, the transfer log verifies and a
// tampered one is named.
#include <claimgate/ledger/sqlite_ledger_store.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <gtest/gtest.h>

#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_inspector.hpp"
#include "postgres_server.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"
#include "troad_sim_process.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace claimgate::testing {
namespace {

using troad::testing::TroadSimProcess;

constexpr int kRosterCount = 60;
constexpr const char* kProgram = "CASH2023";

std::string programJson() {
    // Open now, so a gateway started on the pulled data dir serves it.
    return R"({"id":"CASH2023","name":"全民共享經濟成果普發現金","amount":6000,"currency":"TWD",)"
           R"("channels":["atm","kiosk","counter"],"opens_at":"2023-04-10T00:00:00+08:00",)"
           R"("closes_at":"2099-12-31T23:59:59+08:00","hold_ttl_s":120,)"
           R"("kiosk_hold_ttl_s":1800,"excludes":[]})";
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string shellQuoted(const std::string& path) { return "'" + path + "'"; }

/// One query's rows joined by newlines (text of every column, '|' separated).
std::string queryText(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + db_path);
    }
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db);
        sqlite3_close(db);
        throw std::runtime_error(message);
    }
    std::string out;
    while (sqlite3_step(statement) == SQLITE_ROW) {
        for (int column = 0; column < sqlite3_column_count(statement); ++column) {
            if (column > 0) out += '|';
            const unsigned char* text = sqlite3_column_text(statement, column);
            if (text != nullptr) out += reinterpret_cast<const char*>(text);
        }
        out += '\n';
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return out;
}

/// Makes `to` a data dir with the pepper of `from`, so both key citizens alike.
void sharePepper(const std::string& from, const std::string& to) {
    ASSERT_EQ(std::system(("mkdir -p " + shellQuoted(to) + " && cp " +
                           shellQuoted(from + "/pepper") + " " + shellQuoted(to + "/pepper"))
                              .c_str()),
              0);
}

std::string rosterContents(const std::string& data_dir) {
    return queryText(data_dir + "/ledger.db",
                     "SELECT program, hex(citizen_key), hex(nhi_hash), amount, hex(proxies), "
                     "claim_by, excluded FROM roster ORDER BY 1, 2");
}

std::string metaValue(const std::string& data_dir, const std::string& key) {
    auto text =
        queryText(data_dir + "/ledger.db", "SELECT value FROM meta WHERE key = '" + key + "'");
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

class ReconTroadTest : public ::testing::Test {
protected:
    void SetUp() override {
        pki_ = TestPki::shared().dir();
        writeFileBytes(temp_.file("program.json"), programJson());
        const auto made = runCommand(
            {binDir() + "/claimgate-sim", "roster", "--count", std::to_string(kRosterCount),
             "--seed", "7", "--out", temp_.file("roster.csv")},
            temp_.file("roster.log"));
        ASSERT_EQ(made.exit_code, 0) << made.output;
        // Citizens who may collect for themselves (claim_by self or either), for payouts and
        // for claims at the counter.
        for (const auto& line : splitLines(readFileBytes(temp_.file("roster.csv")))) {
            if (line.rfind("citizen_id", 0) == 0 || line.empty()) continue;
            const auto last_comma = line.rfind(',');
            const std::string claim_by = line.substr(last_comma + 1);
            if (claim_by.empty() || claim_by == "self" || claim_by == "either") {
                self_citizens_.push_back(line.substr(0, line.find(',')));
            }
        }
        ASSERT_GE(self_citizens_.size(), 6U);
        writeFileBytes(temp_.file("payouts.csv"),
                       "citizen_id,channel,amount,paid_at,payout_id\n" + self_citizens_[0] +
                           ",direct_deposit,6000,2023-04-10T09:00:00+08:00,DD-0001\n" +
                           self_citizens_[1] +
                           ",registered_deposit,6000,2023-04-11T09:00:00+08:00,RD-0001\n");
    }

    /// Starts the simulator with the test's program, roster and state dir plus `extra` flags.
    void startSim(TroadSimProcess& sim, const std::vector<std::string>& extra,
                  const std::string& pki_dir = "") {
        std::vector<std::string> args = {"--pki-dir",   pki_dir.empty() ? pki_ : pki_dir,
                                         "--program",   temp_.file("program.json"),
                                         "--roster",    temp_.file("roster.csv"),
                                         "--state-dir", temp_.file("sim-state")};
        args.insert(args.end(), extra.begin(), extra.end());
        ASSERT_TRUE(sim.start(binDir() + "/claimgate-sim", args,
                              temp_.file("sim-" + std::to_string(++sims_) + ".err")))
            << sim.error();
    }

    static std::string url(const TroadSimProcess& sim) {
        return "https://127.0.0.1:" + std::to_string(sim.port());
    }

    CommandResult recon(const std::string& command, const std::string& data_dir,
                        const TroadSimProcess& sim, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {binDir() + "/claimgate-recon",
                                         command,
                                         "--data-dir",
                                         data_dir,
                                         "--pki-dir",
                                         pki_,
                                         "--troad",
                                         url(sim)};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return runCommand(argv, temp_.file("recon-" + std::to_string(++runs_) + ".log"));
    }

    /// `claimgate-recon export` of `data_dir` into `out` plus `extra`; the file's lines when it
    /// succeeded (the caller asserts on the result first).
    CommandResult exportLedger(const std::string& data_dir, const std::string& out,
                               std::vector<std::string>& lines,
                               const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {
            binDir() + "/claimgate-recon", "export", "--data-dir", data_dir, "--out", out};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto result = runCommand(argv, temp_.file("export-" + std::to_string(++runs_) + ".log"));
        lines = result.exit_code == 0 ? splitLines(readFileBytes(out)) : std::vector<std::string>{};
        return result;
    }

    CommandResult verify(const std::string& data_dir) {
        return runCommand({binDir() + "/claimgate-recon", "verify", "--data-dir", data_dir},
                          temp_.file("verify-" + std::to_string(++runs_) + ".log"));
    }

    std::int64_t rosterRows(const std::string& data_dir) {
        // Removed citizens keep their row, marked, so every node can follow the removal.
        return countRows(data_dir + "/ledger.db", "roster", "program = 'CASH2023' AND removed = 0");
    }

    TempDir temp_{"cg-recon-troad"};
    std::string pki_;
    std::vector<std::string> self_citizens_;
    int sims_ = 0;
    int runs_ = 0;
};

TEST_F(ReconTroadTest, PullLoadsProgramsAndRosterAndAPullAgainAppliesNothing) {
    TroadSimProcess sim;
    startSim(sim, {});
    const std::string data = temp_.file("data");

    const auto first = recon("pull", data, sim, {"--page-size", "16"});
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("+" + std::to_string(kRosterCount) + " added"), std::string::npos)
        << first.output;
    EXPECT_EQ(countRows(data + "/ledger.db", "programs", "id = 'CASH2023'"), 1);
    EXPECT_EQ(rosterRows(data), kRosterCount);
    EXPECT_FALSE(metaValue(data, "recon.roster_cursor.CASH2023").empty());
    // No plaintext ID reaches the ledger file.
    const std::string ledger_bytes = readFileBytes(data + "/ledger.db");
    EXPECT_EQ(ledger_bytes.find(self_citizens_[2]), std::string::npos);
    const std::string before = rosterContents(data);

    const auto second = recon("pull", data, sim);
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_NE(second.output.find("+0 added ~0 updated -0 removed"), std::string::npos)
        << second.output;
    EXPECT_EQ(rosterContents(data), before);

    const auto checked = verify(data);
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
    EXPECT_NE(checked.output.find("chain intact"), std::string::npos) << checked.output;

    // The same roster imported from CSV with the same pepper gives the same rows: one rule for
    // citizen keys, NHI hashes and proxies.
    const std::string imported = temp_.file("imported");
    ASSERT_NO_FATAL_FAILURE(sharePepper(data, imported));
    const auto put = runCommand({binDir() + "/claimgate-gateway", "program", "put", "--data-dir",
                                 imported, temp_.file("program.json")},
                                temp_.file("put.log"));
    ASSERT_EQ(put.exit_code, 0) << put.output;
    const auto import =
        runCommand({binDir() + "/claimgate-gateway", "roster", "import", "--data-dir", imported,
                    "--program", kProgram, temp_.file("roster.csv")},
                   temp_.file("import.log"));
    ASSERT_EQ(import.exit_code, 0) << import.output;
    EXPECT_EQ(rosterContents(imported), before);
}

TEST_F(ReconTroadTest, ChurnPublishedLaterIsAppliedFromTheSavedCursor) {
    const std::string data = temp_.file("data");
    {
        TroadSimProcess sim;
        startSim(sim, {});
        const auto pulled = recon("pull", data, sim);
        ASSERT_EQ(pulled.exit_code, 0) << pulled.output;
        ASSERT_EQ(rosterRows(data), kRosterCount);
    }
    // The platform publishes updates and removals after the adds.
    TroadSimProcess churned;
    startSim(churned, {"--churn", "12"});
    const auto resumed = recon("pull", data, churned);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("+0 added"), std::string::npos) << resumed.output;
    EXPECT_EQ(resumed.output.find("~0 updated -0 removed"), std::string::npos) << resumed.output;

    // Same result as one pull of the whole stream into a fresh data dir with the same pepper.
    const std::string fresh = temp_.file("fresh");
    ASSERT_NO_FATAL_FAILURE(sharePepper(data, fresh));
    const auto oneshot = recon("pull", fresh, churned);
    ASSERT_EQ(oneshot.exit_code, 0) << oneshot.output;
    EXPECT_EQ(rosterContents(data), rosterContents(fresh));
    EXPECT_LT(rosterRows(data), kRosterCount);  // some removals
}

TEST_F(ReconTroadTest, InterruptedPullResumesWithoutApplyingAPageTwice) {
    TroadSimProcess sim;
    startSim(sim, {"--churn", "10", "--payouts", temp_.file("payouts.csv")});
    const std::string data = temp_.file("data");

    const auto partial = recon("pull", data, sim, {"--page-size", "7", "--pages-max", "3"});
    ASSERT_EQ(partial.exit_code, 0) << partial.output;
    EXPECT_NE(partial.output.find("stopped at --pages-max"), std::string::npos) << partial.output;
    EXPECT_EQ(rosterRows(data), 21);
    EXPECT_EQ(metaValue(data, "recon.roster_cursor.CASH2023"), "21");

    // A process killed mid-pull leaves the same state as a stop between pages: each page is one
    // transaction with its cursor.
    for (int round = 0; round < 3; ++round) {
        const auto more = recon("pull", data, sim, {"--page-size", "7", "--pages-max", "4"});
        ASSERT_EQ(more.exit_code, 0) << more.output;
    }
    const auto rest = recon("pull", data, sim, {"--page-size", "7"});
    ASSERT_EQ(rest.exit_code, 0) << rest.output;

    const std::string fresh = temp_.file("fresh");
    ASSERT_NO_FATAL_FAILURE(sharePepper(data, fresh));
    const auto oneshot = recon("pull", fresh, sim);
    ASSERT_EQ(oneshot.exit_code, 0) << oneshot.output;
    EXPECT_EQ(rosterContents(data), rosterContents(fresh));
    EXPECT_EQ(countRows(data + "/ledger.db", "claims"), 2);
    EXPECT_EQ(countRows(data + "/ledger.db", "claim_events"), 2);
}

TEST_F(ReconTroadTest, PullKilledMidwayResumesToTheSameLedger) {
    TroadSimProcess sim;
    startSim(sim, {"--churn", "10", "--payouts", temp_.file("payouts.csv")});
    const std::string data = temp_.file("data");
    // Lay down the pepper and ledger first, so the kill lands in the page loop.
    const auto first = recon("pull", data, sim, {"--page-size", "1", "--pages-max", "1"});
    ASSERT_EQ(first.exit_code, 0) << first.output;

    // One page per entry: many small transactions, then SIGKILL somewhere among them.
    const std::string recon_bin = binDir() + "/claimgate-recon";
    const std::string troad = url(sim);
    std::vector<std::string> args = {recon_bin, "pull",    "--data-dir", data,          "--pki-dir",
                                     pki_,      "--troad", troad,        "--page-size", "1"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    ASSERT_EQ(posix_spawn(&pid, recon_bin.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    ::kill(pid, SIGKILL);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(pid, &wait_status, 0), pid);
    const auto cursor_at_kill = metaValue(data, "recon.roster_cursor.CASH2023");

    const auto resumed = recon("pull", data, sim, {"--page-size", "1"});
    ASSERT_EQ(resumed.exit_code, 0)
        << resumed.output << " (killed at cursor " << cursor_at_kill << ")";
    const std::string fresh = temp_.file("fresh");
    ASSERT_NO_FATAL_FAILURE(sharePepper(data, fresh));
    const auto oneshot = recon("pull", fresh, sim);
    ASSERT_EQ(oneshot.exit_code, 0) << oneshot.output;
    EXPECT_EQ(rosterContents(data), rosterContents(fresh)) << "killed at cursor " << cursor_at_kill;
    EXPECT_EQ(countRows(data + "/ledger.db", "claims"), 2);
    // The transfer log survives the kill too (each record fsynced; a torn last line would be
    // named by verify and refused by the resumed pull).
    const auto checked = verify(data);
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
}

TEST_F(ReconTroadTest, ImportedPayoutsMakeTheGatewayRefuseAndPushSendsTerminalClaimsOnce) {
    TroadSimProcess sim;
    startSim(sim, {"--payouts", temp_.file("payouts.csv")});
    const std::string data = temp_.file("data");

    const auto pulled = recon("pull", data, sim);
    ASSERT_EQ(pulled.exit_code, 0) << pulled.output;
    EXPECT_NE(pulled.output.find("payouts 2 imported"), std::string::npos) << pulled.output;
    EXPECT_EQ(countRows(data + "/ledger.db", "claims",
                        "status = 'paid' AND channel IN ('direct_deposit', 'registered_deposit')"),
              2);
    const auto again = recon("pull", data, sim);
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_EQ(countRows(data + "/ledger.db", "claims"), 2);

    // The platform also marks whom it paid as excluded on the roster. Drop that mark for the
    // registered-deposit payee, so the imported paid claim alone has to stop them.
    execSql(data + "/ledger.db",
            "UPDATE roster SET excluded = NULL WHERE excluded = 'paid_by_registered_deposit'");
    std::vector<std::string> claim_ids;
    std::string dispensed_at;  // of the first commit
    {
        GatewayProcess gateway(data, pki_, temp_.path());
        ASSERT_TRUE(gateway.start()) << gateway.error() << gateway.allLogs();
        auto counter = GatewayTestClient::forTerminal(gateway.apiPort(), "counter-0001");
        const auto excluded = counter.post("/v1/claims",
                                           nlohmann::json{{"program", kProgram},
                                                          {"citizen_id", self_citizens_[0]},
                                                          {"channel", "counter"},
                                                          {"amount", 6000}},
                                           std::string("refuse-0"));
        EXPECT_EQ(excluded.status, 409) << excluded.describe();
        EXPECT_EQ(excluded.code(), "excluded") << excluded.describe();
        const auto checked_dd =
            counter.post("/v1/eligibility", nlohmann::json{{"program", kProgram},
                                                           {"citizen_id", self_citizens_[0]},
                                                           {"channel", "counter"}});
        EXPECT_EQ(checked_dd.status, 200) << checked_dd.describe();
        EXPECT_FALSE(checked_dd.json.value("eligible", true)) << checked_dd.describe();
        EXPECT_EQ(checked_dd.json["claim"].value("status", ""), "paid") << checked_dd.describe();
        EXPECT_EQ(checked_dd.json["claim"].value("channel", ""), "direct_deposit")
            << checked_dd.describe();

        const auto refused = counter.post("/v1/claims",
                                          nlohmann::json{{"program", kProgram},
                                                         {"citizen_id", self_citizens_[1]},
                                                         {"channel", "counter"},
                                                         {"amount", 6000}},
                                          std::string("refuse-1"));
        EXPECT_EQ(refused.status, 409) << refused.describe();
        EXPECT_EQ(refused.code(), "already_claimed") << refused.describe();
        EXPECT_EQ(refused.json["error"]["detail"].value("channel", ""), "registered_deposit")
            << refused.describe();
        const auto checked_rd =
            counter.post("/v1/eligibility", nlohmann::json{{"program", kProgram},
                                                           {"citizen_id", self_citizens_[1]},
                                                           {"channel", "counter"}});
        EXPECT_FALSE(checked_rd.json.value("eligible", true)) << checked_rd.describe();
        EXPECT_EQ(checked_rd.json.value("reason", ""), "already_claimed") << checked_rd.describe();

        // Three claims at the counter: two paid, one voided.
        dispensed_at =
            protocols::formatRfc3339Millis(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
        for (int i = 0; i < 3; ++i) {
            const auto k = static_cast<std::size_t>(i);
            const auto held = counter.post("/v1/claims",
                                           nlohmann::json{{"program", kProgram},
                                                          {"citizen_id", self_citizens_[2 + k]},
                                                          {"channel", "counter"},
                                                          {"amount", 6000}},
                                           "hold-" + std::to_string(i));
            ASSERT_EQ(held.status, 201) << held.describe();
            const std::string claim_id = held.json.value("claim_id", "");
            claim_ids.push_back(claim_id);
            // The first commit carries the terminal's dispense time, the second none.
            nlohmann::json commit_body{{"amount", 6000}, {"terminal_ref", "T" + std::to_string(i)}};
            if (i == 0) commit_body["dispensed_at"] = dispensed_at;
            const auto done = i < 2 ? counter.post("/v1/claims/" + claim_id + "/commit",
                                                   commit_body, "commit-" + std::to_string(i))
                                    : counter.post("/v1/claims/" + claim_id + "/void",
                                                   nlohmann::json{{"reason", "citizen_left"}},
                                                   "void-" + std::to_string(i));
            ASSERT_EQ(done.status, 200) << done.describe();
        }
        EXPECT_EQ(gateway.terminate(), 0);
    }

    const auto pushed = recon("push", data, sim, {"--batch-size", "4"});
    ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
    EXPECT_NE(pushed.output.find("3 claims sent, 2 skipped"), std::string::npos) << pushed.output;
    const auto lines = splitLines(readFileBytes(temp_.file("sim-state/claims.jsonl")));
    ASSERT_GE(lines.size(), 1U);
    std::map<std::string, std::string> status_of;
    for (const auto& line : lines) {
        const auto record = nlohmann::json::parse(line);
        for (const auto& claim : record["batch"]["claims"]) {
            status_of[claim.value("claim_id", "")] = claim.value("status", "");
            EXPECT_EQ(claim.value("citizen_key", "").size(), 64U);
            EXPECT_NE(claim.value("channel", ""), "direct_deposit");
        }
    }
    EXPECT_EQ(status_of.size(), 3U);
    EXPECT_EQ(status_of[claim_ids[0]], "paid");
    EXPECT_EQ(status_of[claim_ids[1]], "paid");
    EXPECT_EQ(status_of[claim_ids[2]], "voided");
    for (const auto& id : self_citizens_) {
        EXPECT_EQ(readFileBytes(temp_.file("sim-state/claims.jsonl")).find(id), std::string::npos);
    }

    const auto twice = recon("push", data, sim);
    ASSERT_EQ(twice.exit_code, 0) << twice.output;
    EXPECT_NE(twice.output.find("nothing new"), std::string::npos) << twice.output;
    EXPECT_EQ(splitLines(readFileBytes(temp_.file("sim-state/claims.jsonl"))).size(), lines.size());

    // The receipt was lost (cursor never saved): the retry is the same batch, which the platform
    // answers from its store without recording anything new.
    execSql(data + "/ledger.db", "UPDATE meta SET value = '0' WHERE key = 'recon.push_cursor'");
    const auto retried = recon("push", data, sim, {"--batch-size", "4"});
    ASSERT_EQ(retried.exit_code, 0) << retried.output;
    EXPECT_EQ(splitLines(readFileBytes(temp_.file("sim-state/claims.jsonl"))).size(), lines.size());

    const auto checked = verify(data);
    EXPECT_EQ(checked.exit_code, 0) << checked.output;

    // The ledger export for matching against settlement files leaves the platform's own
    // payouts out (no terminal settles them) unless asked.
    std::vector<std::string> exported_lines;
    const auto exported = exportLedger(data, temp_.file("ledger.csv"), exported_lines);
    ASSERT_EQ(exported.exit_code, 0) << exported.output;
    ASSERT_EQ(exported_lines.size(), 4U);
    // The export keeps the terminal's dispense time beside the gateway's paid_at.
    EXPECT_TRUE(exported_lines[0].ends_with(",paid_at,dispensed_at")) << exported_lines[0];
    for (const auto& exported_line : exported_lines) {
        // Times are in the programme's offset (+08:00), the same instants as sent.
        if (exported_line.starts_with(claim_ids[0] + ",")) {
            const std::string local =
                protocols::formatRfc3339Millis(*protocols::parseRfc3339Millis(dispensed_at), 480);
            EXPECT_TRUE(exported_line.ends_with("," + local)) << exported_line;
        } else if (exported_line.starts_with(claim_ids[1] + ",")) {
            EXPECT_TRUE(exported_line.ends_with("+08:00,")) << exported_line;  // no dispense time
        }
    }
    std::vector<std::string> all_lines;
    const auto everything =
        exportLedger(data, temp_.file("all.csv"), all_lines, {"--include-imported"});
    ASSERT_EQ(everything.exit_code, 0) << everything.output;
    EXPECT_EQ(all_lines.size(), 6U);
}

// Settlement files are named by the operator's business day in Taiwan. The export writes a
// claim's times in its programme's offset (+08:00, from opens_at), so a payment at 07:30 in
// Taipei (23:30 UTC the day before) is dated that Taipei day in match's report and manifest
// check (docs/reconciliation.md, "Business dates").
TEST_F(ReconTroadTest, ExportDatesAnEarlyMorningPaymentOnItsTaiwanBusinessDay) {
    const std::string data = temp_.file("data");
    const auto put = runCommand({binDir() + "/claimgate-gateway", "program", "put", "--data-dir",
                                 data, temp_.file("program.json")},
                                temp_.file("put.log"));
    ASSERT_EQ(put.exit_code, 0) << put.output;
    const std::int64_t held = *protocols::parseRfc3339Millis("2023-06-01T23:29:00Z");
    {
        gateway::SqliteLedgerStore store(data + "/ledger.db");
        gateway::ClaimRecord claim;
        claim.claim_id = "clm_early_morning";
        claim.claim_code = "EARLY1";
        claim.program = "CASH2023";
        claim.citizen_key.fill(7);
        claim.citizen_mask = "A12*****89";
        claim.operator_id = "BANK004";
        claim.terminal_id = "atm-0001";
        claim.amount = 6000;
        claim.status = protocols::ClaimStatus::paid;
        claim.held_at = held;
        claim.expires_at = held + 120'000;
        claim.paid_at = held + 60'000;
        claim.terminal_ref = "T-1";
        store.begin();
        ASSERT_TRUE(store.insertClaim(claim));
        store.commit();
    }
    std::vector<std::string> lines;
    const auto exported = exportLedger(data, temp_.file("ledger.csv"), lines);
    ASSERT_EQ(exported.exit_code, 0) << exported.output;
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_TRUE(lines[1].ends_with(",2023-06-02T07:29:00.000+08:00,2023-06-02T07:30:00.000+08:00,"))
        << lines[1];

    // The post office's file for the day arrived (empty); the bank's has not.
    ::mkdir(temp_.file("settlement").c_str(), 0700);
    writeFileBytes(temp_.file("settlement/POST_2023-06-02.csv"),
                   "operator,terminal_id,terminal_ref,claim_id,amount,paid_at\n");
    writeFileBytes(temp_.file("manifest.csv"),
                   "operator,business_date\nBANK004,2023-06-02\nPOST,2023-06-02\n");
    const auto matched =
        runCommand({binDir() + "/claimgate-recon", "match", "--claims", temp_.file("ledger.csv"),
                    "--settlement", temp_.file("settlement"), "--manifest",
                    temp_.file("manifest.csv"), "--out", temp_.file("out"), "--no-progress"},
                   temp_.file("match.log"));
    ASSERT_EQ(matched.exit_code, 0) << matched.output;
    const auto report = nlohmann::json::parse(readFileBytes(temp_.file("out/report.json")));
    EXPECT_EQ(report["business_dates"]["first"], "2023-06-02");
    EXPECT_EQ(report["business_dates"]["last"], "2023-06-02");
    const std::string exceptions = readFileBytes(temp_.file("out/exceptions.csv"));
    EXPECT_NE(exceptions.find("business date 2023-06-02"), std::string::npos) << exceptions;
    EXPECT_NE(exceptions.find("BANK004_2023-06-02.csv has not arrived"), std::string::npos)
        << exceptions;
}

TEST_F(ReconTroadTest, PullAndPushWorkOnAPostgresLedger) {
    const std::string uri = PostgresServer::shared().freshDatabase();
    TroadSimProcess sim;
    startSim(sim, {"--churn", "10", "--payouts", temp_.file("payouts.csv")});
    const std::string data = temp_.file("data");
    auto count = [&](const std::string& sql) {
        const auto rows = pgQuery(uri, sql);
        return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
    };

    const auto partial =
        recon("pull", data, sim, {"--ledger", uri, "--page-size", "25", "--pages-max", "2"});
    ASSERT_EQ(partial.exit_code, 0) << partial.output;
    EXPECT_EQ(count("SELECT count(*) FROM roster"), "50");
    const auto rest = recon("pull", data, sim, {"--ledger", uri, "--page-size", "25"});
    ASSERT_EQ(rest.exit_code, 0) << rest.output;
    EXPECT_EQ(count("SELECT count(*) FROM programs"), "1");
    EXPECT_EQ(count("SELECT count(*) FROM claims WHERE status = 'paid'"), "2");
    const auto again = recon("pull", data, sim, {"--ledger", uri});
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("+0 added ~0 updated -0 removed, payouts 0 imported"),
              std::string::npos)
        << again.output;

    // Only imported payouts in this ledger: nothing goes back to the platform, the cursor moves.
    const auto pushed = recon("push", data, sim, {"--ledger", uri});
    ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
    EXPECT_NE(pushed.output.find("0 claims sent, 2 skipped"), std::string::npos) << pushed.output;
    const auto twice = recon("push", data, sim, {"--ledger", uri});
    EXPECT_NE(twice.output.find("nothing new"), std::string::npos) << twice.output;
    const auto checked =
        runCommand({binDir() + "/claimgate-recon", "verify", "--data-dir", data, "--ledger", uri},
                   temp_.file("verify-pg.log"));
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
}

TEST_F(ReconTroadTest, BadPlatformSignatureAppliesNothing) {
    // The simulator signs with a platform key that is not the one in our PKI's platform.pem.
    const std::string forged = temp_.file("forged-pki");
    ASSERT_EQ(std::system(("cp -r " + shellQuoted(pki_) + " " + shellQuoted(forged) +
                           " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                           "-out " +
                           shellQuoted(forged + "/troad/platform.key") + " 2>/dev/null")
                              .c_str()),
              0);
    TroadSimProcess sim;
    startSim(sim, {"--payouts", temp_.file("payouts.csv")}, forged);
    const std::string data = temp_.file("data");

    const auto pulled = recon("pull", data, sim);
    EXPECT_NE(pulled.exit_code, 0) << pulled.output;
    EXPECT_NE(pulled.output.find("signature"), std::string::npos) << pulled.output;
    EXPECT_EQ(countRows(data + "/ledger.db", "programs"), 0);
    EXPECT_EQ(countRows(data + "/ledger.db", "roster"), 0);
    EXPECT_EQ(countRows(data + "/ledger.db", "claims"), 0);
    EXPECT_EQ(countRows(data + "/ledger.db", "meta", "key LIKE 'recon.%'"), 0);
}

TEST_F(ReconTroadTest, BadSignatureAfterAPartialPullKeepsTheAppliedPagesAndTheirCursor) {
    const std::string data = temp_.file("data");
    {
        TroadSimProcess sim;
        startSim(sim, {});
        const auto partial = recon("pull", data, sim, {"--page-size", "10", "--pages-max", "2"});
        ASSERT_EQ(partial.exit_code, 0) << partial.output;
        ASSERT_EQ(rosterRows(data), 20);
    }
    const std::string forged = temp_.file("forged-pki");
    ASSERT_EQ(std::system(("cp -r " + shellQuoted(pki_) + " " + shellQuoted(forged) +
                           " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                           "-out " +
                           shellQuoted(forged + "/troad/platform.key") + " 2>/dev/null")
                              .c_str()),
              0);
    TroadSimProcess sim;
    startSim(sim, {"--churn", "10"}, forged);
    const auto refused = recon("pull", data, sim, {"--page-size", "10"});
    EXPECT_NE(refused.exit_code, 0) << refused.output;
    EXPECT_EQ(rosterRows(data), 20);
    EXPECT_EQ(metaValue(data, "recon.roster_cursor.CASH2023"), "20");
}

TEST_F(ReconTroadTest, VerifyNamesTheFirstBrokenTransferLogRecord) {
    TroadSimProcess sim;
    startSim(sim, {});
    const std::string data = temp_.file("data");
    const auto pulled = recon("pull", data, sim, {"--page-size", "20"});
    ASSERT_EQ(pulled.exit_code, 0) << pulled.output;
    const std::string log_path = data + "/transfer.log";
    auto lines = splitLines(readFileBytes(log_path));
    ASSERT_GE(lines.size(), 4U);  // programs, 3 roster pages, payouts

    const auto intact = verify(data);
    ASSERT_EQ(intact.exit_code, 0) << intact.output;
    EXPECT_NE(intact.output.find(std::to_string(lines.size()) + " records, chain intact"),
              std::string::npos)
        << intact.output;

    // Rewrite the second exchange's response hash, as someone hiding a page would.
    const auto at = lines[1].find("\"response_sha256\":\"");
    ASSERT_NE(at, std::string::npos) << lines[1];
    char& digit = lines[1][at + 19];
    digit = digit == '0' ? '1' : '0';
    std::string tampered;
    for (const auto& line : lines) tampered += line + "\n";
    writeFileBytes(log_path, tampered);

    const auto broken = verify(data);
    EXPECT_NE(broken.exit_code, 0) << broken.output;
    EXPECT_NE(broken.output.find("BROKEN at record 2"), std::string::npos) << broken.output;

    // pull refuses to extend a broken chain.
    const auto refused = recon("pull", data, sim);
    EXPECT_NE(refused.exit_code, 0) << refused.output;
}

}  // namespace
}  // namespace claimgate::testing
