// `promtool check metrics` on a live gateway's /metrics (contracts §11, Metrics): the real
// claimgate-gateway binary on port 0 with real mTLS traffic, so every family that traffic
// creates is rendered, then the Prometheus linter must find nothing.
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_seed.hpp"
#include "store_seed.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <string>
#include <vector>

namespace claimgate::testing {
namespace {

TEST(LiveMetrics, PromtoolFindsNothingToCriticise) {
    TempDir temp("cg-promtool");
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(4).bulk;
    const std::string cli = binDir() + "/claimgate-gateway";
    const std::string data_dir = temp.file("data");
    writeFileBytes(temp.file("program.json"),
                   programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}, {},
                               "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
    writeFileBytes(temp.file("roster.csv"), rosterCsv(plainEntries(citizens)));
    const auto put =
        runCommand({cli, "program", "put", "--data-dir", data_dir, temp.file("program.json")},
                   temp.file("put.log"));
    ASSERT_EQ(put.exit_code, 0) << put.output;
    const auto import =
        runCommand({cli, "roster", "import", "--data-dir", data_dir, "--program", kProgramMain,
                    "--pepper-file", pepper_file, temp.file("roster.csv")},
                   temp.file("import.log"));
    ASSERT_EQ(import.exit_code, 0) << import.output;
    const std::string logs = temp.file("logs");
    ASSERT_EQ(::mkdir(logs.c_str(), 0700), 0);
    GatewayProcess gateway(data_dir, TestPki::shared().dir(), logs, {"--pepper-file", pepper_file});
    ASSERT_TRUE(gateway.start()) << gateway.error();

    auto atm = GatewayTestClient::forTerminal(gateway.apiPort(), "atm-0001");
    const nlohmann::json claim = {{"program", kProgramMain},
                                  {"citizen_id", citizens[0]},
                                  {"channel", "atm"},
                                  {"amount", 6000}};
    const HttpReply held = atm.post("/v1/claims", claim, std::string("m-h-0"));
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string id = held.json["claim_id"];
    ASSERT_EQ(
        atm.post("/v1/claims/" + id + "/commit",
                 nlohmann::json{{"amount", 6000}, {"terminal_ref", "M1"}}, std::string("m-c-0"))
            .status,
        200);
    EXPECT_EQ(atm.post("/v1/claims", claim, std::string("m-h-1")).status, 409);

    auto admin = GatewayTestClient::plain(gateway.adminPort());
    const HttpReply metrics = admin.get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    const std::string metrics_file = temp.file("metrics.txt");
    writeFileBytes(metrics_file, metrics.body);
    const auto promtool =
        runCommand({"/bin/sh", "-c", "promtool check metrics < '" + metrics_file + "'"},
                   temp.file("promtool.log"));
    EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
    EXPECT_EQ(promtool.output, "") << "promtool findings:\n" << promtool.output;
    EXPECT_EQ(gateway.terminate(), 0);
}

}  // namespace
}  // namespace claimgate::testing
