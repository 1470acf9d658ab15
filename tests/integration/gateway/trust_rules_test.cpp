// Who may do what (contracts §3, §5), against the real `claimgate-gateway` binary with the dev
// PKI's certificates: commit and void only by the terminal that made the hold, kiosk slips only
// at a POS till of the same operator; slip codes that cannot be guessed and a per-terminal limit
// on failed lookups; eligibility answers that disclose no more than their code; claim reads
// that do not wait for the ledger writer; owner-only data files and secrets.
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_seed.hpp"
#include "ledger_write_lock.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <claimgate/protocols/limits.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <future>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace claimgate::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kAmount = 6000;

/// Mode bits of a file, or -1 when it does not exist.
int modeOf(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return -1;
    return static_cast<int>(info.st_mode & 07777U);
}

/// Runs the gateway's one-shot commands and `serve` under a permissive umask, as an operator's
/// shell would have it, so the test sees what the binary itself decides about file modes.
class PermissiveUmask {
public:
    PermissiveUmask() : saved_(::umask(022)) {}
    ~PermissiveUmask() { ::umask(saved_); }
    PermissiveUmask(const PermissiveUmask&) = delete;
    PermissiveUmask& operator=(const PermissiveUmask&) = delete;

private:
    mode_t saved_;
};

class TrustRulesTest : public ::testing::Test {
protected:
    void SetUp() override {
        PermissiveUmask umask;
        citizens_ = standardCitizens(40);
        data_dir_ = temp_.file("data");
        // A data directory the operator made beforehand, readable by everyone: the files the
        // gateway creates in it must still be its own.
        ASSERT_EQ(::mkdir(data_dir_.c_str(), 0755), 0);
        const std::string program_file = temp_.file("program.json");
        writeFileBytes(program_file,
                       programJson(kProgramMain, kAmount, {"atm", "kiosk", "counter"}, {},
                                   "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
        std::vector<RosterEntry> roster = {
            {citizens_.with_nhi, citizens_.nhi, 0, {}, protocols::ClaimBy::self, std::nullopt}};
        for (const auto& id : citizens_.bulk) {
            roster.push_back({id, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt});
        }
        const std::string roster_file = temp_.file("roster.csv");
        writeFileBytes(roster_file, rosterCsv(roster));
        const auto put =
            runCommand({cli(), "program", "put", "--data-dir", data_dir_, program_file},
                       temp_.file("put.log"));
        ASSERT_EQ(put.exit_code, 0) << put.output;
        const auto import = runCommand({cli(), "roster", "import", "--data-dir", data_dir_,
                                        "--program", kProgramMain, roster_file},
                                       temp_.file("import.log"));
        ASSERT_EQ(import.exit_code, 0) << import.output;
        logs_dir_ = temp_.file("logs");
        ASSERT_EQ(::mkdir(logs_dir_.c_str(), 0700), 0);
        gateway_ = std::make_unique<GatewayProcess>(
            data_dir_, TestPki::shared().dir(), logs_dir_,
            std::vector<std::string>{"--sweep-interval-ms", "600000"});
        ASSERT_TRUE(gateway_->start()) << gateway_->error();
    }

    static std::string cli() { return binDir() + "/claimgate-gateway"; }

    GatewayTestClient terminal(const std::string& id) const {
        return GatewayTestClient::forTerminal(gateway_->apiPort(), id);
    }

    std::string nextCitizen() { return citizens_.bulk.at(next_citizen_++); }

    static HttpReply hold(GatewayTestClient& client, const std::string& citizen,
                          const std::string& channel,
                          const std::optional<std::string>& nhi = std::nullopt) {
        nlohmann::json body = {{"program", kProgramMain},
                               {"citizen_id", citizen},
                               {"channel", channel},
                               {"amount", kAmount}};
        if (nhi) body["nhi_card_no"] = *nhi;
        return client.post("/v1/claims", body, freshKey("hold"));
    }
    static HttpReply commit(GatewayTestClient& client, const std::string& ref) {
        return client.post("/v1/claims/" + ref + "/commit",
                           nlohmann::json{{"amount", kAmount}, {"terminal_ref", "REF-1"}},
                           freshKey("commit"));
    }
    static HttpReply voidClaim(GatewayTestClient& client, const std::string& ref) {
        return client.post("/v1/claims/" + ref + "/void", nlohmann::json{{"reason", "test"}},
                           freshKey("void"));
    }
    std::string freshLogDir(const std::string& name) const {
        const std::string dir = temp_.file(name);
        EXPECT_EQ(::mkdir(dir.c_str(), 0700), 0) << dir;
        return dir;
    }
    static std::string freshKey(const std::string& prefix) {
        static int counter = 0;
        return prefix + "-" + std::to_string(++counter);
    }

    TempDir temp_{"cg-trust"};
    StandardCitizens citizens_;
    std::size_t next_citizen_ = 0;
    std::string data_dir_;
    std::string logs_dir_;
    std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(TrustRulesTest, KioskCannotCommitItsOwnSlipOnlyItsStoresPosCan) {
    auto kiosk = terminal("kiosk-0001");
    auto pos = terminal("pos-0001");
    const HttpReply slip = hold(kiosk, nextCitizen(), "kiosk");
    ASSERT_EQ(slip.status, 201) << slip.describe();
    const std::string code = slip.json["claim_code"];
    EXPECT_EQ(code.size(), protocols::kClaimCodeDigits) << code;

    for (const std::string& ref : {code, slip.json["claim_id"].get<std::string>()}) {
        const HttpReply own = commit(kiosk, ref);
        EXPECT_EQ(own.status, 403) << own.describe();
        EXPECT_EQ(own.code(), "pos_required") << own.describe();
    }
    const HttpReply still = pos.get("/v1/claims/" + code);
    ASSERT_EQ(still.status, 200) << still.describe();
    EXPECT_EQ(still.json["status"], "held") << "a refused commit changes nothing";

    const HttpReply paid = commit(pos, code);
    ASSERT_EQ(paid.status, 200) << paid.describe();
    EXPECT_EQ(paid.json["status"], "paid");
    EXPECT_EQ(paid.json["receipt"]["terminal_id"], "pos-0001");
}

TEST_F(TrustRulesTest, PosOfAnotherOperatorCannotPayTheSlip) {
    auto kiosk = terminal("kiosk-0001");
    auto other_chain = terminal("pos-0002");  // CVS952, not the kiosk's CVS711
    const HttpReply slip = hold(kiosk, nextCitizen(), "kiosk");
    ASSERT_EQ(slip.status, 201) << slip.describe();
    const std::string code = slip.json["claim_code"];
    const std::string id = slip.json["claim_id"];

    const HttpReply by_code = commit(other_chain, code);
    EXPECT_EQ(by_code.status, 404) << "codes are per operator: " << by_code.describe();
    EXPECT_EQ(by_code.code(), "unknown_claim");
    const HttpReply by_id = commit(other_chain, id);
    EXPECT_EQ(by_id.status, 403) << by_id.describe();
    EXPECT_EQ(by_id.code(), "operator_mismatch");
    const HttpReply voided = voidClaim(other_chain, id);
    EXPECT_EQ(voided.code(), "operator_mismatch") << voided.describe();

    auto pos = terminal("pos-0001");
    const HttpReply paid = commit(pos, code);
    EXPECT_EQ(paid.status, 200) << "the slip is still payable at its own store: "
                                << paid.describe();
}

TEST_F(TrustRulesTest, AtmOfTheSameOperatorButAnotherTerminalCannotCommitOrVoid) {
    auto holder = terminal("atm-0001");
    auto neighbour = terminal("atm-0003");  // BANK004 as well
    const HttpReply held = hold(holder, nextCitizen(), "atm");
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string id = held.json["claim_id"];

    const HttpReply committed = commit(neighbour, id);
    EXPECT_EQ(committed.status, 403) << committed.describe();
    EXPECT_EQ(committed.code(), "not_holding_terminal");
    const HttpReply voided = voidClaim(neighbour, id);
    EXPECT_EQ(voided.status, 403) << voided.describe();
    EXPECT_EQ(voided.code(), "not_holding_terminal");

    const HttpReply paid = commit(holder, id);
    EXPECT_EQ(paid.status, 200) << paid.describe();
}

TEST_F(TrustRulesTest, KioskMayVoidTheSlipItPrintedAndPosMayNotReserve) {
    auto kiosk = terminal("kiosk-0001");
    auto pos = terminal("pos-0001");
    const std::string citizen = nextCitizen();
    const HttpReply slip = hold(kiosk, citizen, "kiosk");
    ASSERT_EQ(slip.status, 201) << slip.describe();
    const HttpReply voided = voidClaim(kiosk, slip.json["claim_code"]);
    EXPECT_EQ(voided.status, 200) << "a slip that was never printed is released at once: "
                                  << voided.describe();

    const HttpReply reserve = hold(pos, citizen, "kiosk");
    EXPECT_EQ(reserve.status, 403) << reserve.describe();
    EXPECT_EQ(reserve.code(), "role_not_allowed");
    const HttpReply check = pos.post(
        "/v1/eligibility",
        nlohmann::json{{"program", kProgramMain}, {"citizen_id", citizen}, {"channel", "kiosk"}});
    EXPECT_EQ(check.code(), "role_not_allowed") << check.describe();
}

TEST_F(TrustRulesTest, GuessingSlipCodesHits429WithRetryAfter) {
    auto kiosk = terminal("kiosk-0001");
    const HttpReply slip = hold(kiosk, nextCitizen(), "kiosk");
    ASSERT_EQ(slip.status, 201) << slip.describe();

    auto guesser = terminal("pos-0001");
    std::mt19937_64 random(42);
    std::size_t misses = 0;
    HttpReply refused;
    for (int attempt = 0; attempt < 40; ++attempt) {
        std::string code = std::to_string(random() % 100000000000000000ULL);
        code.insert(0, protocols::kClaimCodeDigits - code.size(), '0');
        const HttpReply reply =
            attempt % 2 == 0 ? guesser.get("/v1/claims/" + code) : commit(guesser, code);
        if (reply.status == 429) {
            refused = reply;
            break;
        }
        ASSERT_EQ(reply.status, 404) << reply.describe();
        ++misses;
    }
    EXPECT_EQ(misses, 10U) << "kFailedClaimLookupsPerWindowMax misses, then 429";
    ASSERT_EQ(refused.status, 429);
    EXPECT_EQ(refused.code(), "too_many_failed_lookups");
    const int retry_after = std::stoi(refused.header("retry-after"));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 60);
    // Even the real slip is refused to the guesser until its window ends...
    EXPECT_EQ(guesser.get("/v1/claims/" + slip.json["claim_code"].get<std::string>()).status, 429);
    // ...while other terminals are not affected.
    EXPECT_EQ(kiosk.get("/v1/claims/" + slip.json["claim_id"].get<std::string>()).status, 200);
}

TEST_F(TrustRulesTest, WrongCardCheckRevealsNothingBeyondItsCode) {
    auto home_bank = terminal("atm-0001");
    auto other_bank = terminal("atm-0002");
    const std::string wrong_card = "999999999999";
    ASSERT_NE(wrong_card, citizens_.nhi);
    const nlohmann::json wrong = {{"program", kProgramMain},
                                  {"citizen_id", citizens_.with_nhi},
                                  {"channel", "atm"},
                                  {"nhi_card_no", wrong_card}};
    const nlohmann::json minimal = {{"eligible", false},
                                    {"reason", "nhi_card_mismatch"},
                                    {"program", kProgramMain},
                                    {"currency", "TWD"}};

    const HttpReply before = other_bank.post("/v1/eligibility", wrong);
    ASSERT_EQ(before.status, 200) << before.describe();
    EXPECT_EQ(before.json, minimal) << "no amount, no claim: " << before.body;

    // Paid at another bank: a wrong card still learns nothing about where or when.
    const HttpReply held = hold(home_bank, citizens_.with_nhi, "atm", citizens_.nhi);
    ASSERT_EQ(held.status, 201) << held.describe();
    ASSERT_EQ(commit(home_bank, held.json["claim_id"]).status, 200);
    const HttpReply after = other_bank.post("/v1/eligibility", wrong);
    EXPECT_EQ(after.json, minimal) << after.body;

    // The citizen's own card: told that and where it was paid, never the amount or who paid.
    nlohmann::json right = wrong;
    right["nhi_card_no"] = citizens_.nhi;
    const HttpReply identified = other_bank.post("/v1/eligibility", right);
    ASSERT_EQ(identified.status, 200) << identified.describe();
    EXPECT_EQ(identified.json["reason"], "already_claimed");
    EXPECT_EQ(identified.json["claim"]["status"], "paid");
    EXPECT_EQ(identified.json["claim"]["channel"], "atm");
    EXPECT_TRUE(identified.json["claim"].contains("at"));
    EXPECT_FALSE(identified.json.contains("amount")) << identified.body;
    const std::set<std::string> claim_keys = {"status", "channel", "at"};
    for (const auto& [key, value] : identified.json["claim"].items()) {
        EXPECT_TRUE(claim_keys.count(key)) << "claim." << key << " must not be disclosed";
    }

    // Not on the roster: the code alone.
    const HttpReply stranger =
        other_bank.post("/v1/eligibility", nlohmann::json{{"program", kProgramMain},
                                                          {"citizen_id", citizens_.not_on_roster},
                                                          {"channel", "atm"}});
    EXPECT_EQ(stranger.json, (nlohmann::json{{"eligible", false},
                                             {"reason", "not_eligible"},
                                             {"program", kProgramMain},
                                             {"currency", "TWD"}}))
        << stranger.body;
}

TEST_F(TrustRulesTest, ClaimReadsDoNotWaitForTheLedgerWriter) {
    auto atm = terminal("atm-0001");
    const HttpReply held = hold(atm, nextCitizen(), "atm");
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string path = "/v1/claims/" + held.json["claim_id"].get<std::string>();
    ASSERT_EQ(atm.get(path).status, 200);

    // Another process holds the database's write lock: the writer's next batch waits on it.
    LedgerWriteLock lock(data_dir_ + "/ledger.db");
    auto writer_client = terminal("atm-0001");
    const std::string blocked_citizen = nextCitizen();
    auto blocked_hold =
        std::async(std::launch::async, [&] { return hold(writer_client, blocked_citizen, "atm"); });
    std::this_thread::sleep_for(300ms);  // the hold is now inside the stuck batch
    EXPECT_EQ(blocked_hold.wait_for(0ms), std::future_status::timeout)
        << "the writer should be waiting for the lock";

    const auto started = std::chrono::steady_clock::now();
    const HttpReply read = atm.get(path);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(read.status, 200) << read.describe();
    EXPECT_EQ(read.json["status"], "held");
    EXPECT_LT(took, 2s) << "a GET must not queue behind the writer";

    lock.release();
    EXPECT_EQ(blocked_hold.get().status, 201) << "the writer resumes once the lock is gone";
}

TEST_F(TrustRulesTest, LedgerAndPepperFilesAreOwnerOnly) {
    auto atm = terminal("atm-0001");
    ASSERT_EQ(hold(atm, nextCitizen(), "atm").status, 201);
    for (const std::string name : {"ledger.db", "ledger.db-wal", "ledger.db-shm", "pepper"}) {
        const int mode = modeOf(data_dir_ + "/" + name);
        ASSERT_NE(mode, -1) << name << " should exist";
        EXPECT_EQ(mode & 077, 0) << name << " has mode 0" << std::oct << mode;
    }
}

TEST_F(TrustRulesTest, WorldReadableSecretsAreRefusedNamingTheFileAndTheFix) {
    PermissiveUmask umask;
    const std::string pepper = temp_.file("shared-pepper");
    writeFileBytes(pepper, std::string(32, 'p'));
    ASSERT_EQ(::chmod(pepper.c_str(), 0644), 0);
    const auto import =
        runCommand({cli(), "roster", "import", "--data-dir", temp_.file("d2"), "--program",
                    kProgramMain, "--pepper-file", pepper, temp_.file("roster.csv")},
                   temp_.file("import-0644.log"));
    EXPECT_NE(import.exit_code, 0) << import.output;
    EXPECT_NE(import.output.find(pepper), std::string::npos) << import.output;
    EXPECT_NE(import.output.find("chmod 600"), std::string::npos) << import.output;

    GatewayProcess with_open_pepper(temp_.file("d3"), TestPki::shared().dir(),
                                    freshLogDir("logs-pepper"), {"--pepper-file", pepper});
    EXPECT_FALSE(with_open_pepper.start(10s));
    const std::string logs = with_open_pepper.allLogs();
    EXPECT_NE(logs.find(pepper), std::string::npos) << logs;
    EXPECT_NE(logs.find("chmod 600"), std::string::npos) << logs;

    // The same for the gateway's TLS key: a copy of the PKI with gateway.key opened up.
    const std::string pki = temp_.file("pki-open");
    ASSERT_EQ(std::system(("cp -r '" + TestPki::shared().dir() + "' '" + pki + "'").c_str()), 0);
    ASSERT_EQ(::chmod((pki + "/gateway.key").c_str(), 0640), 0);
    GatewayProcess with_open_key(temp_.file("d4"), pki, freshLogDir("logs-key"), {});
    EXPECT_FALSE(with_open_key.start(10s));
    const std::string key_logs = with_open_key.allLogs();
    EXPECT_NE(key_logs.find(pki + "/gateway.key"), std::string::npos) << key_logs;
    EXPECT_NE(key_logs.find("chmod 600"), std::string::npos) << key_logs;
}

}  // namespace
}  // namespace claimgate::testing
