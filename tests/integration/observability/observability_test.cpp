// Operators' view of a real gateway (contracts §11, Metrics and Logs; docs/operations.md):
// `promtool check metrics` on a live /metrics, every dashboard panel and alert rule reads a
// series the gateway exports, the cluster-wide claim figures, JSON log lines with masked IDs
// only, the access log, and one log line each for losing and regaining PostgreSQL. Plus the
// CLI manners of every binary (--version, --help with defaults).
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "ledger_seed.hpp"
#include "postgres_server.hpp"
#include "store_seed.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

namespace claimgate::testing {
namespace {

nlohmann::json claimBody(const std::string& citizen) {
    return {
        {"program", kProgramMain}, {"citizen_id", citizen}, {"channel", "atm"}, {"amount", 6000}};
}

/// Program and roster through the gateway's own CLI, on SQLite (`ledger` empty) or PostgreSQL.
void seedThroughCli(const TempDir& temp, const std::string& data_dir, const std::string& ledger,
                    const std::string& pepper_file, const std::vector<std::string>& citizens) {
    const std::string cli = binDir() + "/claimgate-gateway";
    writeFileBytes(temp.file("program.json"),
                   programJson(kProgramMain, 6000, {"atm", "kiosk", "counter"}, {},
                               "2020-01-01T00:00:00+08:00", "2099-12-31T23:59:59+08:00"));
    writeFileBytes(temp.file("roster.csv"), rosterCsv(plainEntries(citizens)));
    std::vector<std::string> put = {cli, "program", "put", "--data-dir", data_dir};
    std::vector<std::string> import = {cli,          "roster",        "import",
                                       "--data-dir", data_dir,        "--program",
                                       kProgramMain, "--pepper-file", pepper_file};
    if (!ledger.empty()) {
        for (auto* args : {&put, &import}) {
            args->push_back("--ledger");
            args->push_back(ledger);
        }
    }
    put.push_back(temp.file("program.json"));
    import.push_back(temp.file("roster.csv"));
    const auto put_result = runCommand(put, temp.file("put.log"));
    ASSERT_EQ(put_result.exit_code, 0) << put_result.output;
    const auto import_result = runCommand(import, temp.file("import.log"));
    ASSERT_EQ(import_result.exit_code, 0) << import_result.output;
}

std::string makeDir(const TempDir& temp, const std::string& name) {
    const std::string path = temp.file(name);
    ::mkdir(path.c_str(), 0700);
    return path;
}

/// The value of the first sample whose line starts with `prefix` (name and labels).
std::optional<double> sample(const std::string& metrics, const std::string& prefix) {
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(prefix, 0) == 0 && line.size() > prefix.size() &&
            (line[prefix.size()] == ' ' || prefix.back() == '}')) {
            return std::stod(line.substr(line.rfind(' ') + 1));
        }
    }
    return std::nullopt;
}

/// Polls /metrics until `prefix` has `value` (the stats reader runs on its own interval).
std::string awaitSample(GatewayTestClient& admin, const std::string& prefix, double value,
                        std::chrono::seconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string body;
    while (std::chrono::steady_clock::now() < deadline) {
        body = admin.get("/metrics").body;
        if (sample(body, prefix) == value) return body;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "timed out waiting for " << prefix << " " << value << " in\n" << body;
    return body;
}

std::vector<nlohmann::json> jsonLines(const std::string& text, std::vector<std::string>& bad) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line.rfind("listening on", 0) == 0 ||
            line.rfind("admin listening on", 0) == 0 || line.rfind("bench listening", 0) == 0) {
            continue;  // stdout: the port lines tests and scripts read
        }
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object()) {
            bad.push_back(line);
        } else {
            lines.push_back(std::move(parsed));
        }
    }
    return lines;
}

std::size_t countMessages(const std::vector<nlohmann::json>& lines, const std::string& msg) {
    std::size_t count = 0;
    for (const auto& line : lines) count += line.value("msg", "") == msg ? 1U : 0U;
    return count;
}

TEST(Observability, LiveMetricsPassPromtoolAndCoverTheDashboardAndAlerts) {
    TempDir temp("cg-obs");
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(10).bulk;
    const std::string data_dir = makeDir(temp, "data");
    ASSERT_NO_FATAL_FAILURE(seedThroughCli(temp, data_dir, "", pepper_file, citizens));
    GatewayProcess gateway(
        data_dir, TestPki::shared().dir(), makeDir(temp, "logs"),
        {"--pepper-file", pepper_file, "--ledger-stats-interval-ms", "200", "--access-log"});
    ASSERT_TRUE(gateway.start()) << gateway.error();
    auto atm = GatewayTestClient::forTerminal(gateway.apiPort(), "atm-0001");
    auto admin = GatewayTestClient::plain(gateway.adminPort());

    // Traffic that touches every kind of series: an eligible and a refused check, a paid
    // claim, a held one, and a revoked terminal.
    ASSERT_EQ(atm.post("/v1/eligibility", nlohmann::json{{"program", kProgramMain},
                                                         {"citizen_id", citizens[0]},
                                                         {"channel", "atm"}})
                  .status,
              200);
    const HttpReply held = atm.post("/v1/claims", claimBody(citizens[0]), std::string("o-h-0"));
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string claim_id = held.json["claim_id"];
    ASSERT_EQ(
        atm.post("/v1/claims/" + claim_id + "/commit",
                 nlohmann::json{{"amount", 6000}, {"terminal_ref", "T1"}}, std::string("o-c-0"))
            .status,
        200);
    ASSERT_EQ(atm.post("/v1/claims", claimBody(citizens[1]), std::string("o-h-1")).status, 201);
    const nlohmann::json again = {
        {"program", kProgramMain}, {"citizen_id", citizens[0]}, {"channel", "atm"}};
    const HttpReply refused = atm.post("/v1/eligibility", again);
    ASSERT_EQ(refused.json.value("reason", ""), "already_claimed") << refused.describe();
    auto revoked = GatewayTestClient::forTerminal(gateway.apiPort(), "revoked-0001");
    EXPECT_EQ(revoked.get("/v1/programs").status, 403);

    // The claim gauges come from a periodic database read (every 200 ms here), which may have
    // run between the commit and the second hold: wait for a read that saw both (a slow ASan
    // build once caught the one in between).
    (void)awaitSample(
        admin, "claimgate_claims{program=\"CASH2023\",channel=\"atm\",status=\"paid\"}", 1);
    const std::string metrics = awaitSample(
        admin, "claimgate_claims{program=\"CASH2023\",channel=\"atm\",status=\"held\"}", 1);
    EXPECT_EQ(sample(metrics,
                     "claimgate_claims{program=\"CASH2023\",channel=\"atm\","
                     "status=\"paid\"}"),
              1);
    EXPECT_EQ(sample(metrics, "claimgate_paid_amount_twd{program=\"CASH2023\",channel=\"atm\"}"),
              6000);
    EXPECT_EQ(sample(metrics, "claimgate_eligibility_outcomes_total{outcome=\"eligible\"}"), 1);
    EXPECT_EQ(sample(metrics, "claimgate_eligibility_outcomes_total{outcome=\"already_claimed\"}"),
              1);
    EXPECT_EQ(sample(metrics, "claimgate_revoked_certificate_attempts_total"), 1);
    EXPECT_EQ(sample(metrics, "claimgate_ledger_database_up"), 1);
    EXPECT_EQ(sample(metrics, "claimgate_ledger_commit_duration_seconds_count"),
              sample(metrics, "claimgate_ledger_batches_total"));
    EXPECT_GE(sample(metrics, "claimgate_ledger_batches_total").value_or(0), 3);
    EXPECT_GT(sample(metrics, "claimgate_crl_next_update_timestamp_seconds").value_or(0), 1.6e9);
    EXPECT_TRUE(std::regex_search(
        metrics, std::regex("\nclaimgate_build_info\\{version=\"[0-9]+\\.[0-9]+\\.[0-9]+\","
                            "revision=\"[^\"]+\",backend=\"sqlite\",allocator=\"" +
                            std::string(CG_EXPECTED_ALLOCATOR) + "\"\\} 1\n")))
        << metrics;
    EXPECT_GE(sample(metrics, "claimgate_connections_open{listener=\"admin\"}").value_or(0), 1);

    const std::string metrics_file = temp.file("metrics.txt");
    writeFileBytes(metrics_file, metrics);
    const auto promtool =
        runCommand({"/bin/sh", "-c", "promtool check metrics < '" + metrics_file + "'"},
                   temp.file("promtool.log"));
    EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
    EXPECT_EQ(promtool.output, "") << "promtool lint findings:\n" << promtool.output;

    const std::string checker = sourceDir() + "/tests/unit/deploy/check_deploy.py";
    const auto dashboard = runCommand(
        {"/usr/bin/python3", checker, "dashboard",
         sourceDir() + "/deploy/grafana/claimgate-dashboard.json", "--metrics", metrics_file},
        temp.file("dashboard.log"));
    EXPECT_EQ(dashboard.exit_code, 0) << dashboard.output;
    // Every series an alert reads must be exported.
    const auto rules = runCommand(
        {"/usr/bin/python3", checker, "rules",
         sourceDir() + "/deploy/prometheus/claimgate-alerts.yml", "--metrics", metrics_file},
        temp.file("rules.log"));
    EXPECT_EQ(rules.exit_code, 0) << rules.output;

    // Logs: every line one JSON object with the four fixed members; no plaintext ID; one
    // access line per API request, naming the terminal.
    EXPECT_EQ(gateway.terminate(), 0);
    const std::string logs = gateway.allLogs();
    std::vector<std::string> bad;
    const auto lines = jsonLines(logs, bad);
    EXPECT_TRUE(bad.empty()) << "not a JSON line: " << (bad.empty() ? "" : bad.front());
    for (const auto& line : lines) {
        for (const char* member : {"ts", "level", "component", "msg"}) {
            EXPECT_TRUE(line.contains(member)) << line.dump();
        }
        const std::regex utc_millis("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        EXPECT_TRUE(std::regex_match(line.value("ts", ""), utc_millis)) << line.dump();
    }
    for (const auto& citizen : citizens) {
        EXPECT_EQ(logs.find(citizen), std::string::npos) << "plaintext citizen ID in the logs";
    }
    std::size_t access = 0;
    bool commit_logged = false;
    for (const auto& line : lines) {
        if (line.value("component", "") != "access") continue;
        ++access;
        if (line.value("route", "") == "claim_commit") {
            commit_logged = true;
            EXPECT_EQ(line.value("terminal", ""), "atm-0001");
            EXPECT_EQ(line.value("operator", ""), "BANK004");
            EXPECT_EQ(line.value("status", 0), 200);
        }
    }
    EXPECT_EQ(access, 6U) << logs;  // 2 eligibility, 2 holds, 1 commit, 1 revoked
    EXPECT_TRUE(commit_logged) << logs;
    EXPECT_EQ(countMessages(lines, "started"), 1U) << logs;
    EXPECT_EQ(countMessages(lines, "stopping"), 1U) << logs;
}

TEST(Observability, LosingAndRegainingPostgresLogsOneLineEachAndShowsInMetrics) {
    TempDir temp("cg-obs-pg");
    PostgresServer server(temp.file("pg"));
    const std::string pepper_file = temp.file("pepper");
    writePepperFile(pepper_file);
    const auto citizens = standardCitizens(10).bulk;
    const std::string data_dir = makeDir(temp, "data");
    ASSERT_NO_FATAL_FAILURE(seedThroughCli(temp, data_dir, server.uri(), pepper_file, citizens));
    GatewayProcess gateway(data_dir, TestPki::shared().dir(), makeDir(temp, "logs"),
                           {"--ledger", server.uri(), "--pepper-file", pepper_file,
                            "--ledger-stats-interval-ms", "200", "--sweep-interval-ms", "600000"});
    ASSERT_TRUE(gateway.start()) << gateway.error();
    auto atm = GatewayTestClient::forTerminal(gateway.apiPort(), "atm-0001");
    auto admin = GatewayTestClient::plain(gateway.adminPort());
    ASSERT_EQ(atm.post("/v1/claims", claimBody(citizens[0]), std::string("p-h-0")).status, 201);
    awaitSample(admin, "claimgate_ledger_database_up", 1);
    EXPECT_NE(admin.get("/metrics").body.find("backend=\"postgresql\""), std::string::npos);

    server.stop();
    awaitSample(admin, "claimgate_ledger_database_up", 0);
    // Several failed batches during the outage: still one line.
    for (int i = 1; i <= 4; ++i) {
        EXPECT_EQ(atm.post("/v1/claims", claimBody(citizens[static_cast<std::size_t>(i)]),
                           "p-h-" + std::to_string(i))
                      .status,
                  503);
    }
    server.restart();
    const std::string metrics = awaitSample(admin, "claimgate_ledger_database_up", 1);
    EXPECT_GE(sample(metrics, "claimgate_ledger_reconnects_total").value_or(0), 1);
    EXPECT_EQ(atm.post("/v1/claims", claimBody(citizens[5]), std::string("p-h-5")).status, 201);
    awaitSample(admin, "claimgate_claims{program=\"CASH2023\",channel=\"atm\",status=\"held\"}", 2);

    EXPECT_EQ(gateway.terminate(), 0);
    std::vector<std::string> bad;
    const auto lines = jsonLines(gateway.allLogs(), bad);
    EXPECT_TRUE(bad.empty()) << "not a JSON line (multi-line database text?): "
                             << (bad.empty() ? "" : bad.front());
    EXPECT_EQ(countMessages(lines,
                            "ledger database unreachable; state changes answer 503 until "
                            "it is back"),
              1U)
        << gateway.allLogs();
    EXPECT_EQ(countMessages(lines, "ledger database reachable again"), 1U) << gateway.allLogs();
}

/// `--version` prints one line and exits 0; `--help` goes to stdout, exits 0, starts with a
/// line of description, and gives every option a default (or says it is required).
void expectCliManners(const TempDir& temp, const std::vector<std::string>& command,
                      const std::string& name) {
    auto with = [&](const std::string& flag) {
        auto argv = command;
        argv.push_back(flag);
        return argv;
    };
    const std::string label = command.size() > 1 ? command[1] : name;
    if (command.size() == 1) {
        const auto version = runCommand(with("--version"), temp.file(name + "-version.log"));
        EXPECT_EQ(version.exit_code, 0) << version.output;
        const std::regex version_line(
            name + " [0-9]+\\.[0-9]+\\.[0-9]+ \\(git ([0-9a-f]+(-dirty)?|unknown)\\)\n");
        EXPECT_TRUE(std::regex_match(version.output, version_line)) << version.output;
    }
    const auto help = runCommand(with("--help"), temp.file(name + "-" + label + "-help.log"));
    EXPECT_EQ(help.exit_code, 0) << label << ":\n" << help.output;
    ASSERT_FALSE(help.output.empty()) << label;
    const std::string first_line = help.output.substr(0, help.output.find('\n'));
    EXPECT_EQ(first_line.rfind("usage", 0), std::string::npos)
        << label << ": --help should open with what the command does:\n"
        << help.output;
    // Each option's description runs from its "  --name" line to the next option line.
    std::istringstream in(help.output);
    std::string option, description;
    auto judge = [&] {
        if (option.empty()) return;
        const bool stated = description.find("default") != std::string::npos ||
                            description.find("required") != std::string::npos;
        EXPECT_TRUE(stated) << label << ": option " << option
                            << " has no default and is not marked required:\n"
                            << description;
    };
    for (std::string line; std::getline(in, line);) {
        const auto start = line.find_first_not_of(' ');
        if (start != std::string::npos && start >= 2 && line.compare(start, 2, "--") == 0 &&
            line.compare(start, 9, "--version") != 0 && line.compare(start, 6, "--help") != 0) {
            judge();
            option = line.substr(start, line.find(' ', start) - start);
            description = line;
        } else if (!option.empty() && start != std::string::npos && start >= 6) {
            description += "\n" + line;
        } else {
            judge();
            option.clear();
        }
    }
    judge();
}

TEST(CliManners, EveryBinaryHasVersionAndHelpWithDefaults) {
    TempDir temp("cg-cli");
    const std::string bin = binDir();
    expectCliManners(temp, {bin + "/claimgate-gateway"}, "claimgate-gateway");
    expectCliManners(temp, {bin + "/claimgate-recon"}, "claimgate-recon");
    expectCliManners(temp, {bin + "/claimgate-sim"}, "claimgate-sim");
    for (const char* command : {"match", "export", "verify", "pull", "push", "gen-fixture"}) {
        expectCliManners(temp, {bin + "/claimgate-recon", command}, "claimgate-recon");
    }
    for (const char* command :
         {"atm", "kiosk", "counter", "troad", "faultproxy", "load", "roster"}) {
        expectCliManners(temp, {bin + "/claimgate-sim", command}, "claimgate-sim");
    }
}

}  // namespace
}  // namespace claimgate::testing
