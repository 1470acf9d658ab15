// Runs the real claimgate-recon binary on a generated fixture; checks report.json against an
// independent brute-force oracle (std::map, std::getline), exceptions.csv, and renders
// report.html in headless Chromium (screenshot + DOM) to check the charts are really drawn.
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
        std::string pattern = (fs::temp_directory_path() / "recon-report-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data());
        recon_ = binDir() + "/claimgate-recon";
        ASSERT_TRUE(fs::exists(recon_)) << recon_;
    }
    void TearDown() override {
        if (!HasFailure()) {
            std::error_code error;
            fs::remove_all(dir_, error);
        } else {
            std::fprintf(stderr, "kept %s for inspection\n", dir_.c_str());
        }
    }
    fs::path dir_;
    std::string recon_;
};

TEST_F(ReconReportTest, ReportMatchesOracleAndRendersInChromium) {
    const fs::path fixture = dir_ / "fixture";
    const CommandResult gen = run(recon_ + " gen-fixture --claims 30000 --seed 42 --days 4 --out " +
                            fixture.string(), dir_);
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    const fs::path out = dir_ / "out";
    const CommandResult match = run(recon_ + " match --ledger " + (fixture / "ledger.csv").string() +
                              " --settlement " + (fixture / "settlement").string() + " --out " +
                              out.string(), dir_);
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
        settlement_rows += std::count(std::istreambuf_iterator<char>(in),
                                      std::istreambuf_iterator<char>(), '\n') - 1;
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
        " --user-data-dir=" + (dir_ / "chromium-profile").string();
    const std::string url = "file://" + (out / "report.html").string();
    const fs::path png = out / "report.png";
    const CommandResult shot = run("timeout 120 " + browser + flags + " --screenshot=" + png.string() +
                             " --window-size=1200,2000 " + url, dir_);
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
    const std::regex rect(R"re(<rect x="[0-9.]+" y="[0-9]+" width="([0-9.]+)" height="([0-9]+)")re");
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
                               (dir_ / "out").string() + " --apply", dir_);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--apply needs --data-dir"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(ReconReportTest, TooManyBadLinesStopsWithNonZeroExitAndNoReport) {
    const fs::path fixture = dir_ / "fixture";
    ASSERT_EQ(run(recon_ + " gen-fixture --claims 1000 --seed 3 --days 1 --out " +
                      fixture.string(), dir_).exit_code, 0);
    std::ofstream(fixture / "settlement" / "zz_broken.csv")
        << "operator,terminal_id,terminal_ref,claim_id,amount,paid_at\n"
        << "BANK004,a,b,c_1,12x,\nBANK004,a,b\nonly one field\n";
    const std::string base = recon_ + " match --ledger " + (fixture / "ledger.csv").string() +
                             " --settlement " + (fixture / "settlement").string() + " --out ";
    const CommandResult stopped = run(base + (dir_ / "stopped").string() + " --max-bad-lines 2", dir_);
    EXPECT_EQ(stopped.exit_code, 1);
    EXPECT_NE(stopped.err.find("zz_broken.csv:2: amount"), std::string::npos) << stopped.err;
    EXPECT_NE(stopped.err.find("too many malformed lines"), std::string::npos) << stopped.err;
    EXPECT_FALSE(fs::exists(dir_ / "stopped" / "report.json"));
    EXPECT_FALSE(fs::exists(dir_ / "stopped" / "exceptions.csv"));

    const CommandResult tolerated = run(base + (dir_ / "tolerated").string() + " --max-bad-lines 3", dir_);
    EXPECT_EQ(tolerated.exit_code, 0) << tolerated.err;
    const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "tolerated" / "report.json"));
    EXPECT_EQ(report["bad_lines"]["count"], 3);
    EXPECT_NE(slurp(dir_ / "tolerated" / "exceptions.csv").find(",malformed,"), std::string::npos);
}

}  // namespace
