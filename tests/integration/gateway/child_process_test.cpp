// The real `claimgate-gateway` binary as a child process, data set up through its CLI: no
// plaintext citizen ID or NHI number reaches its data dir or its logs (invariant 5). The kill -9
// durability test runs on both backends in tests/integration/ledger/gateway_kill9_test.cpp.
#include "gateway_api_fixture.hpp"
#include "gateway_process.hpp"
#include "test_pki.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace claimgate::testing {
namespace {

class ChildProcessTest : public ::testing::Test {
protected:
    void SetUp() override {
        citizens_ = standardCitizens(300);
        data_dir_ = temp_.file("data");
        const std::string program_file = temp_.file("program.json");
        // The child runs on the system clock: a window around any plausible "now".
        writeFileBytes(program_file,
                       programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}, {},
                                   "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
        std::vector<RosterEntry> roster = {
            {citizens_.plain, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt},
            {citizens_.with_nhi, citizens_.nhi, 0, {}, protocols::ClaimBy::self, std::nullopt},
            {citizens_.child_either,
             std::nullopt,
             0,
             {citizens_.parent},
             protocols::ClaimBy::either,
             std::nullopt},
            {citizens_.custom_amount,
             std::nullopt,
             3000,
             {},
             protocols::ClaimBy::self,
             std::nullopt}};
        for (const auto& id : citizens_.bulk) {
            roster.push_back({id, std::nullopt, 0, {}, protocols::ClaimBy::self, std::nullopt});
        }
        const std::string roster_file = temp_.file("roster.csv");
        writeFileBytes(roster_file, rosterCsv(roster));
        const std::string cli = binDir() + "/claimgate-gateway";
        const auto put = runCommand({cli, "program", "put", "--data-dir", data_dir_, program_file},
                                    temp_.file("put.log"));
        ASSERT_EQ(put.exit_code, 0) << put.output;
        const auto import = runCommand({cli, "roster", "import", "--data-dir", data_dir_,
                                        "--program", kProgramMain, roster_file},
                                       temp_.file("import.log"));
        ASSERT_EQ(import.exit_code, 0) << import.output;
        cli_output_ = put.output + import.output;
        logs_dir_ = temp_.file("logs");
        ASSERT_EQ(::mkdir(logs_dir_.c_str(), 0700), 0);
        process_ = std::make_unique<GatewayProcess>(
            data_dir_, TestPki::shared().dir(), logs_dir_,
            std::vector<std::string>{"--sweep-interval-ms", "600000"});
        ASSERT_TRUE(process_->start()) << process_->error();
    }

    static nlohmann::json claimBody(const std::string& citizen, const std::string& channel,
                                    std::int64_t amount = 6000) {
        return {{"program", kProgramMain},
                {"citizen_id", citizen},
                {"channel", channel},
                {"amount", amount}};
    }

    TempDir temp_{"cg-child"};
    StandardCitizens citizens_;
    std::string data_dir_;
    std::string logs_dir_;
    std::string cli_output_;
    std::unique_ptr<GatewayProcess> process_;
};

std::vector<std::string> filesUnder(const std::string& dir) {
    std::vector<std::string> files;
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) return files;
    while (const dirent* entry = ::readdir(handle)) {
        const std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        files.push_back(dir + "/" + name);
    }
    ::closedir(handle);
    return files;
}

std::string lowerCase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

TEST_F(ChildProcessTest, NoPlaintextCitizenIdOrNhiNumberOnDiskOrInLogs) {
    const std::uint16_t port = process_->apiPort();
    auto atm = GatewayTestClient::forTerminal(port, "atm-0001");
    auto counter = GatewayTestClient::forTerminal(port, "counter-0001");
    auto kiosk = GatewayTestClient::forTerminal(port, "kiosk-0001");
    std::vector<std::string> secrets = {
        citizens_.plain,         citizens_.with_nhi,       citizens_.nhi,
        citizens_.child_either,  citizens_.parent,         citizens_.custom_amount,
        citizens_.not_on_roster, citizens_.stranger_proxy, nhiCardNumber(4242)};
    // Successful paths.
    HttpReply reply = atm.post("/v1/claims", claimBody(citizens_.plain, "atm"), std::string("p1"));
    ASSERT_EQ(reply.status, 201) << reply.describe();
    ASSERT_EQ(atm.post("/v1/claims/" + reply.json["claim_id"].get<std::string>() + "/commit",
                       nlohmann::json{{"amount", 6000}, {"terminal_ref", "X"}}, std::string("p2"))
                  .status,
              200);
    nlohmann::json body = claimBody(citizens_.with_nhi, "kiosk");
    body["nhi_card_no"] = citizens_.nhi;
    EXPECT_EQ(kiosk.post("/v1/claims", body, std::string("p3")).status, 201);
    body = claimBody(citizens_.child_either, "counter");
    body["proxy_id"] = citizens_.parent;
    EXPECT_EQ(counter.post("/v1/claims", body, std::string("p4")).status, 201);
    // Refusals that carry IDs in the request.
    body = claimBody(citizens_.with_nhi, "atm");
    body["nhi_card_no"] = nhiCardNumber(4242);
    EXPECT_EQ(atm.post("/v1/claims", body, std::string("p5")).code(), "nhi_card_mismatch");
    EXPECT_EQ(
        atm.post("/v1/claims", claimBody(citizens_.not_on_roster, "atm"), std::string("p6")).code(),
        "not_eligible");
    const std::string bad = badChecksumId(77);
    secrets.push_back(bad);
    EXPECT_EQ(atm.post("/v1/claims", claimBody(bad, "atm"), std::string("p7")).code(),
              "invalid_citizen_id");
    body = claimBody(citizens_.child_either, "counter");
    body["proxy_id"] = citizens_.stranger_proxy;
    EXPECT_EQ(counter.post("/v1/claims", body, std::string("p8")).code(), "proxy_not_allowed");
    EXPECT_EQ(
        atm.post("/v1/claims", claimBody(citizens_.custom_amount, "atm"), std::string("p9")).code(),
        "amount_mismatch");
    EXPECT_EQ(atm.post("/v1/claims", claimBody(citizens_.plain, "atm"), std::string("p10")).code(),
              "already_claimed");
    EXPECT_EQ(atm.post("/v1/eligibility", claimBody(citizens_.plain2, "atm")).status, 200);
    secrets.push_back(citizens_.plain2);
    EXPECT_EQ(atm.post("/v1/claims", std::string("{\"citizen_id\": \"") + citizens_.plain2 + "\"",
                       std::string("p11"))
                  .code(),
              "malformed_json");
    for (std::size_t i = 0; i < 20; ++i) secrets.push_back(citizens_.bulk[i]);
    EXPECT_EQ(process_->terminate(), 0);

    std::vector<std::string> files = filesUnder(data_dir_);
    ASSERT_FALSE(files.empty());
    for (const auto& log : process_->logFiles()) files.push_back(log);
    std::string cli_and_logs = cli_output_;
    for (const auto& file : files) {
        const std::string bytes = readFileBytes(file);
        const std::string lowered = lowerCase(bytes);
        for (const auto& secret : secrets) {
            EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " found in " << file;
            EXPECT_EQ(lowered.find(lowerCase(secret)), std::string::npos)
                << secret << " (any case) found in " << file;
        }
    }
    for (const auto& secret : secrets) {
        EXPECT_EQ(cli_output_.find(secret), std::string::npos) << secret << " in CLI output";
    }
}

}  // namespace
}  // namespace claimgate::testing
