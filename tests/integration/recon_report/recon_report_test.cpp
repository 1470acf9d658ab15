// Runs the real claimgate-recon binary on a generated fixture; checks report.json against an
// independent brute-force oracle (std::map, std::getline), exceptions.csv, and renders
// report.html in headless Chromium (screenshot + DOM) to check the charts are really drawn.
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string binDir() {
    const char* dir = std::getenv("CG_BIN_DIR");
    return dir != nullptr ? dir : "build/bin";
}

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

/// Runs a shell command with stdout/stderr captured into files under `dir`.
CommandResult run(const std::string& command, const fs::path& dir) {
    const fs::path out = dir / "cmd.out";
    const fs::path err = dir / "cmd.err";
    const std::string full = command + " >" + out.string() + " 2>" + err.string() + " </dev/null";
    const int status = std::system(full.c_str());
    CommandResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = slurp(out);
    result.err = slurp(err);
    return result;
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, ',')) {
        fields.push_back(field);
    }
    if (!line.empty() && line.back() == ',') {
        fields.emplace_back();
    }
    return fields;
}

/// The rules of contracts §11, computed the slow obvious way.
std::map<std::string, long> oracle(const fs::path& ledger_path,
                                   const std::vector<fs::path>& settlement_files) {
    struct Claim {
        std::string status;
        long amount = 0;
        std::vector<long> rows;
    };
    std::map<std::string, Claim> claims;
    std::ifstream ledger(ledger_path);
    std::string line;
    std::getline(ledger, line);
    while (std::getline(ledger, line)) {
        const auto f = split(line);
        claims[f.at(0)] = Claim{f.at(8), std::stol(f.at(7)), {}};
    }
    std::map<std::string, long> counts;
    for (const auto& file : settlement_files) {
        std::ifstream in(file);
        std::getline(in, line);
        while (std::getline(in, line)) {
            const auto f = split(line);
            const auto found = claims.find(f.at(3));
            if (found == claims.end()) {
                ++counts["missing_in_ledger"];
            } else {
                found->second.rows.push_back(std::stol(f.at(4)));
            }
        }
    }
    for (const auto& [id, claim] : claims) {
        const auto& rows = claim.rows;
        if (rows.size() > 1) {
            counts["duplicate_in_settlement"] += static_cast<long>(rows.size()) - 1;
        }
        if (claim.status == "paid") {
            if (rows.empty()) {
                ++counts["missing_in_settlement"];
            } else if (std::find(rows.begin(), rows.end(), claim.amount) != rows.end()) {
                ++counts["matched"];
            } else {
                ++counts["amount_mismatch"];
            }
        } else if (claim.status == "held" || claim.status == "in_doubt") {
            ++counts[rows.empty() ? "in_doubt_unpaid" : "in_doubt_paid"];
        } else {
            ++counts[rows.empty() ? "voided" : "missing_in_ledger"];
        }
    }
    return counts;
}

std::string chromium() {
    for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
        if (fs::exists(candidate)) {
            return candidate;
        }
    }
    return {};
}

class ReconReportTest : public ::testing::Test {
protected:
    void SetUp() override {
        recon_ = binDir() + "/claimgate-recon";
        ASSERT_TRUE(fs::exists(recon_)) << recon_;
    }
    void TearDown() override {
        if (HasFailure()) {
            temp_.keepOnExit();
            std::fprintf(stderr, "kept %s for inspection\n", dir_.c_str());
        }
    }
    claimgate::testing::TempDir temp_{"recon-report"};
    fs::path dir_ = temp_.path();
    std::string recon_;
};

TEST_F(ReconReportTest, ReportMatchesOracleAndRendersInChromium) {
    const fs::path fixture = dir_ / "fixture";
    const CommandResult gen = run(
        recon_ + " gen-fixture --claims 30000 --seed 42 --days 4 --out " + fixture.string(), dir_);
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    const fs::path out = dir_ / "out";
    const CommandResult match =
        run(recon_ + " match --ledger " + (fixture / "ledger.csv").string() + " --settlement " +
                (fixture / "settlement").string() + " --out " + out.string(),
            dir_);
    ASSERT_EQ(match.exit_code, 0) << match.err;
    EXPECT_NE(match.out.find("report.html"), std::string::npos);

    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fixture / "settlement")) {
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    const auto expected = oracle(fixture / "ledger.csv", files);

    const nlohmann::json report = nlohmann::json::parse(slurp(out / "report.json"));
    long exceptions = 0;
    long settlement_rows = 0;
    for (const auto& [category, count] : report["counts"].items()) {
        const auto found = expected.find(category);
        EXPECT_EQ(count.get<long>(), found == expected.end() ? 0 : found->second) << category;
        if (category != "matched" && category != "voided") {
            exceptions += count.get<long>();
        }
    }
    for (const auto& [category, count] : expected) {
        EXPECT_TRUE(report["counts"].contains(category)) << category;
        EXPECT_GT(count, 0) << category << " missing from the generated mix";
    }
    for (const auto& file : files) {
        std::ifstream in(file);
        settlement_rows +=
            std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n') -
            1;
    }
    EXPECT_EQ(report["records"]["ledger"].get<long>(), 30000);
    EXPECT_EQ(report["records"]["settlement"].get<long>(), settlement_rows);
    EXPECT_TRUE(report["seconds"].is_number());
    // by_channel and by_operator add up to the totals.
    for (const char* group : {"by_channel", "by_operator"}) {
        long sum = 0;
        for (const auto& [name, tallies] : report[group].items()) {
            sum += tallies["counts"]["matched"].get<long>();
        }
        EXPECT_EQ(sum, report["counts"]["matched"].get<long>()) << group;
    }
    EXPECT_EQ(report["by_operator"].size(), 6U);

    std::ifstream csv(out / "exceptions.csv");
    long rows = -1;  // header
    for (std::string line; std::getline(csv, line);) {
        ++rows;
    }
    EXPECT_EQ(rows, exceptions);

    const std::string browser = chromium();
    ASSERT_FALSE(browser.empty())
        << "chromium is not installed (scripts/install-deps.sh installs it; make test runs it)";
    const std::string flags =
        " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
        " --disable-background-networking --disable-component-update --disable-sync"
        " --user-data-dir=" +
        (dir_ / "chromium-profile").string();
    const std::string url = "file://" + (out / "report.html").string();
    const fs::path png = out / "report.png";
    const CommandResult shot =
        run("timeout 120 " + browser + flags + " --screenshot=" + png.string() +
                " --window-size=1200,2000 " + url,
            dir_);
    ASSERT_EQ(shot.exit_code, 0) << shot.err;
    ASSERT_TRUE(fs::exists(png)) << shot.err;
    const std::string image = slurp(png);
    EXPECT_GT(image.size(), 40U * 1024U) << "a blank page compresses to a few KB";
    EXPECT_EQ(image.substr(1, 3), "PNG");
    std::set<unsigned char> distinct(image.begin(), image.end());
    EXPECT_GT(distinct.size(), 200U);

    const CommandResult dom = run("timeout 120 " + browser + flags + " --dump-dom " + url, dir_);
    ASSERT_EQ(dom.exit_code, 0) << dom.err;
    EXPECT_EQ(dom.out.find("<script"), std::string::npos);
    const std::regex rect(
        R"re(<rect x="[0-9.]+" y="[0-9]+" width="([0-9.]+)" height="([0-9]+)")re");
    int drawn = 0;
    for (auto it = std::sregex_iterator(dom.out.begin(), dom.out.end(), rect);
         it != std::sregex_iterator(); ++it) {
        if (std::stod((*it)[1]) > 0 && std::stod((*it)[2]) > 0) {
            ++drawn;
        }
    }
    long svgs = 0;
    for (std::size_t at = dom.out.find("<svg"); at != std::string::npos;
         at = dom.out.find("<svg", at + 1)) {
        ++svgs;
    }
    EXPECT_EQ(svgs, 3) << "charts by category, channel and operator";
    EXPECT_GE(drawn, 8 + 4 + 6) << "bars for 8 categories, 4 channels, 6 operators";
}

/// The text of the table row (or any element) whose opening tag has `attribute`, tags removed.
std::string elementText(const std::string& dom, const std::string& attribute) {
    const std::size_t at = dom.find(attribute);
    if (at == std::string::npos) {
        return {};
    }
    const std::size_t begin = dom.rfind('<', at);
    const std::string tag = dom.substr(begin + 1, dom.find_first_of(" >", begin) - begin - 1);
    const std::size_t end = dom.find("</" + tag + ">", at);
    const std::string inner = dom.substr(at, end - at);
    return std::regex_replace(inner, std::regex("<[^>]*>"), " ");
}

/// A planted settlement run with known money per operator (see the comments on each line).
class FinanceReportTest : public ReconReportTest {
protected:
    void SetUp() override {
        ReconReportTest::SetUp();
        const std::string key(64, 'a');
        const auto ledger = [&](const std::string& id, const std::string& op,
                                const std::string& status) {
            return id + ",CASH2023," + key + ",atm," + op + ",atm-01,T-" + id + ",6000," + status +
                   ",2023-04-10T10:00:00+08:00," +
                   (status == "paid" ? "2023-04-10T10:00:20+08:00" : "") + "\n";
        };
        const auto row = [](const std::string& op, const std::string& id, int amount) {
            return op + ",atm-01,S-" + id + "," + id + "," + std::to_string(amount) +
                   ",2023-04-10T10:00:20+08:00\n";
        };
        const std::string header = "operator,terminal_id,terminal_ref,claim_id,amount,paid_at\n";
        fs::create_directories(dir_ / "settlement");
        std::ofstream(dir_ / "ledger.csv")
            << "claim_id,program,citizen_key,channel,operator,terminal_id,terminal_ref,amount,"
               "status,held_at,paid_at\n"
            << ledger("c_m1", "BANK004", "paid")     // matched
            << ledger("c_m2", "BANK004", "paid")     // settled 5000: difference -1000
            << ledger("c_d1", "BANK004", "paid")     // matched + one duplicate
            << ledger("c_m3", "CVS711", "paid")      // settled 6500: difference +500
            << ledger("c_m4", "CVS711", "paid")      // matched
            << ledger("c_i1", "CVS711", "in_doubt")  // in_doubt_paid
            << ledger("c_m5", "POST700", "paid");    // missing in settlement
        std::ofstream(dir_ / "settlement" / "BANK004_2023-04-10.csv")
            << header << row("BANK004", "c_m1", 6000) << row("BANK004", "c_m2", 5000)
            << row("BANK004", "c_d1", 6000) << row("BANK004", "c_d1", 6000)
            << row("BANK004", "c_u9", 6000);  // unknown claim: missing_in_ledger
        std::ofstream(dir_ / "settlement" / "CVS711_2023-04-10.csv")
            << header << row("CVS711", "c_m3", 6500) << row("CVS711", "c_m4", 6000)
            << row("CVS711", "c_i1", 6000);
        std::ofstream(dir_ / "settlement" / "POST700_2023-04-10.csv") << header;
        std::ofstream(dir_ / "manifest.csv")
            << "operator,business_date\nBANK004,2023-04-10\nCVS711,2023-04-10\n"
               "POST700,2023-04-10\nPOST700,2023-04-11\n";
    }

    CommandResult match(const std::string& out, const std::string& extra) {
        return run(recon_ + " match --ledger " + (dir_ / "ledger.csv").string() + " --settlement " +
                       (dir_ / "settlement").string() + " --out " + (dir_ / out).string() +
                       " --manifest " + (dir_ / "manifest.csv").string() + " --state " +
                       (dir_ / "state.csv").string() + " " + extra,
                   dir_);
    }

    /// Screenshot (checked to be a drawn page) and the DOM of `html` in headless Chromium.
    std::string renderInChromium(const fs::path& html) {
        const std::string browser = chromium();
        EXPECT_FALSE(browser.empty()) << "chromium is not installed (scripts/install-deps.sh)";
        const std::string flags =
            " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
            " --disable-background-networking --disable-component-update --disable-sync"
            " --user-data-dir=" +
            (dir_ / "chromium-profile").string();
        const std::string url = "file://" + html.string();
        const fs::path png = html.parent_path() / "report.png";
        const CommandResult shot =
            run("timeout 120 " + browser + flags + " --screenshot=" + png.string() +
                    " --window-size=1200,2400 " + url,
                dir_);
        EXPECT_EQ(shot.exit_code, 0) << shot.err;
        const std::string image = slurp(png);
        EXPECT_GT(image.size(), 40U * 1024U) << "a blank page compresses to a few KB";
        EXPECT_EQ(image.substr(1, 3), "PNG");
        const CommandResult dom =
            run("timeout 120 " + browser + flags + " --dump-dom " + url, dir_);
        EXPECT_EQ(dom.exit_code, 0) << dom.err;
        return dom.out;
    }
};

TEST_F(FinanceReportTest, ChineseAndEnglishReportsShowMoneyByOperatorDifferencesAndMissingFiles) {
    const CommandResult zh = match("zh", "");
    ASSERT_EQ(zh.exit_code, 0) << zh.err;
    EXPECT_EQ(zh.out.find("MISSING settlement file POST700_2023-04-11.csv"), 0U) << zh.out;
    const std::string dom = renderInChromium(dir_ / "zh" / "report.html");
    EXPECT_NE(dom.find("lang=\"zh-TW\""), std::string::npos);
    // The missing expected file comes first, before the header and every figure.
    const std::size_t missing = dom.find("缺少的清算檔");
    ASSERT_NE(missing, std::string::npos);
    EXPECT_LT(missing, dom.find("對帳報告</h1>"));
    EXPECT_LT(dom.find("POST700_2023-04-11.csv"), dom.find("各業者金額"));
    EXPECT_EQ(dom.find("POST700_2023-04-10.csv</code></td>"), std::string::npos)
        << "an arrived (empty) file is not missing";
    EXPECT_NE(dom.find("CASH2023"), std::string::npos) << "programme in the header";
    EXPECT_NE(dom.find("2023-04-10"), std::string::npos) << "business date in the header";
    // Per operator: ledger paid, settled, difference, to reimburse, on hold.
    const std::string bank = elementText(dom, "data-operator=\"BANK004\"");
    for (const char* figure : {"18,000", "29,000", "+11,000", "12,000", "17,000"}) {
        EXPECT_NE(bank.find(figure), std::string::npos) << figure << " in " << bank;
    }
    const std::string cvs = elementText(dom, "data-operator=\"CVS711\"");
    for (const char* figure : {"12,000", "18,500", "+6,500", "6,000", "12,500"}) {
        EXPECT_NE(cvs.find(figure), std::string::npos) << figure << " in " << cvs;
    }
    const std::string post = elementText(dom, "data-operator=\"POST700\"");
    EXPECT_NE(post.find("-6,000"), std::string::npos) << post;
    // The actual difference of each mismatch.
    EXPECT_NE(elementText(dom, "data-claim=\"c_m2\"").find("-1,000"), std::string::npos);
    EXPECT_NE(elementText(dom, "data-claim=\"c_m3\"").find("+500"), std::string::npos);
    EXPECT_NE(dom.find("金額不符"), std::string::npos);
    EXPECT_EQ(dom.find("exceptions NT$"), std::string::npos);

    const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "zh" / "report.json"));
    EXPECT_EQ(report["money_by_operator"]["BANK004"]["difference"], 11000);
    EXPECT_EQ(report["money_by_operator"]["BANK004"]["reimburse"]["amount"], 12000);
    EXPECT_EQ(report["missing_files"].size(), 1U);

    // One exceptions file per operator, grouped: missing_in_ledger before amount_mismatch.
    const std::string bank_file = slurp(dir_ / "zh" / "exceptions-BANK004.csv");
    EXPECT_LT(bank_file.find("c_u9,missing_in_ledger"), bank_file.find("c_m2,amount_mismatch"));
    EXPECT_EQ(bank_file.find("c_m3"), std::string::npos);
    EXPECT_NE(slurp(dir_ / "zh" / "exceptions-CVS711.csv").find("c_m3,amount_mismatch"),
              std::string::npos);

    const CommandResult en = match("en", "--lang en");
    ASSERT_EQ(en.exit_code, 0) << en.err;
    const std::string en_dom = renderInChromium(dir_ / "en" / "report.html");
    EXPECT_NE(en_dom.find("lang=\"en\""), std::string::npos);
    EXPECT_LT(en_dom.find("Missing settlement files"), en_dom.find("Money by operator"));
    EXPECT_NE(elementText(en_dom, "data-operator=\"BANK004\"").find("+11,000"), std::string::npos);
    EXPECT_NE(elementText(en_dom, "data-claim=\"c_m2\"").find("-1,000"), std::string::npos);
}

TEST_F(FinanceReportTest, AcknowledgedExceptionsAreCarriedForwardAndMarked) {
    ASSERT_EQ(match("day1", "--lang en").exit_code, 0);
    const std::string state = slurp(dir_ / "state.csv");
    EXPECT_NE(state.find("c_m2,amount_mismatch,BANK004,"), std::string::npos) << state;
    const CommandResult ack = run(recon_ + " acknowledge --state " + (dir_ / "state.csv").string() +
                                      " --by 'Lin Mei' --note 'journal requested' c_m2",
                                  dir_);
    ASSERT_EQ(ack.exit_code, 0) << ack.err;
    ASSERT_EQ(match("day2", "--lang en").exit_code, 0);
    const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "day2" / "report.json"));
    EXPECT_EQ(report["exceptions"]["new"], 0);
    EXPECT_EQ(report["exceptions"]["acknowledged"], 1);
    EXPECT_EQ(report["exceptions"]["carried_forward"],
              report["exceptions"]["count"].get<int>() - 1);
    const std::string html = slurp(dir_ / "day2" / "report.html");
    EXPECT_NE(elementText(html, "data-claim=\"c_m2\"").find("acknowledged by Lin Mei"),
              std::string::npos);
    EXPECT_NE(elementText(html, "data-claim=\"c_m3\"").find("listed since"), std::string::npos);
    EXPECT_NE(slurp(dir_ / "day2" / "exceptions.csv").find(",Lin Mei"), std::string::npos);
    EXPECT_NE(slurp(dir_ / "state.csv").find("Lin Mei"), std::string::npos)
        << "the acknowledgement survives the rewrite";
}

TEST_F(ReconReportTest, UnknownSubcommandPrintsUsageAndExitsTwo) {
    const CommandResult result = run(recon_ + " frobnicate", dir_);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("usage"), std::string::npos);
    EXPECT_NE(result.err.find("match"), std::string::npos);
    EXPECT_EQ(run(recon_ + " match --help", dir_).exit_code, 0);
    EXPECT_EQ(run(recon_ + " gen-fixture --help", dir_).exit_code, 0);
    EXPECT_EQ(run(recon_ + " match --ledger x.csv", dir_).exit_code, 2);
}

TEST_F(ReconReportTest, ApplyNeedsADataDirAndRefusesBeforeWork) {
    const CommandResult result = run(recon_ + " match --ledger l.csv --settlement s.csv --out " +
                                         (dir_ / "out").string() + " --apply",
                                     dir_);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--apply needs --data-dir"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(ReconReportTest, TooManyBadLinesStopsWithNonZeroExitAndNoReport) {
    const fs::path fixture = dir_ / "fixture";
    ASSERT_EQ(
        run(recon_ + " gen-fixture --claims 1000 --seed 3 --days 1 --out " + fixture.string(), dir_)
            .exit_code,
        0);
    std::ofstream(fixture / "settlement" / "zz_broken.csv")
        << "operator,terminal_id,terminal_ref,claim_id,amount,paid_at\n"
        << "BANK004,a,b,c_1,12x,\nBANK004,a,b\nonly one field\n";
    const std::string base = recon_ + " match --ledger " + (fixture / "ledger.csv").string() +
                             " --settlement " + (fixture / "settlement").string() + " --out ";
    const CommandResult stopped =
        run(base + (dir_ / "stopped").string() + " --max-bad-lines 2", dir_);
    EXPECT_EQ(stopped.exit_code, 1);
    EXPECT_NE(stopped.err.find("zz_broken.csv:2: amount"), std::string::npos) << stopped.err;
    EXPECT_NE(stopped.err.find("too many malformed lines"), std::string::npos) << stopped.err;
    EXPECT_FALSE(fs::exists(dir_ / "stopped" / "report.json"));
    EXPECT_FALSE(fs::exists(dir_ / "stopped" / "exceptions.csv"));

    const CommandResult tolerated =
        run(base + (dir_ / "tolerated").string() + " --max-bad-lines 3", dir_);
    EXPECT_EQ(tolerated.exit_code, 0) << tolerated.err;
    const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "tolerated" / "report.json"));
    EXPECT_EQ(report["bad_lines"]["count"], 3);
    EXPECT_NE(slurp(dir_ / "tolerated" / "exceptions.csv").find(",malformed,"), std::string::npos);
}

}  // namespace
