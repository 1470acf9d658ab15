// claimgate-sim roster: deterministic by seed, valid and unique IDs, the CSV of contracts §11.
#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/domain.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace claimgate::protocols {
namespace {

namespace fs = std::filesystem;

constexpr int kRows = 10'000;

std::string simBinary() {
    const char* dir = std::getenv("CG_BIN_DIR");
    return std::string(dir != nullptr ? dir : CG_TEST_BIN_DIR) + "/claimgate-sim";
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> splitOn(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator)) parts.push_back(part);
    if (!text.empty() && text.back() == separator) parts.emplace_back();
    return parts;
}

class RosterCommandTest : public ::testing::Test {
protected:
    int runRoster(const std::string& arguments, const std::string& redirect = "") {
        const std::string command = simBinary() + " roster " + arguments + " 2>" +
                                    (dir_ / "stderr.txt").string() + redirect;
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    claimgate::testing::TempDir temp_{"cg-roster-test"};
    fs::path dir_ = temp_.path();
};

TEST_F(RosterCommandTest, SameSeedGivesIdenticalFilesWithValidUniqueIds) {
    const auto first = dir_ / "first.csv";
    const auto second = dir_ / "second.csv";
    const std::string args = "--count " + std::to_string(kRows) + " --seed 20230410 --out ";
    ASSERT_EQ(runRoster(args + first.string()), 0);
    EXPECT_NE(readFile(dir_ / "stderr.txt").find("seed=20230410"), std::string::npos)
        << "the seed must be printed to stderr";
    ASSERT_EQ(runRoster(args + second.string()), 0);
    const std::string text = readFile(first);
    ASSERT_EQ(text, readFile(second));
    EXPECT_FALSE(fs::exists(first.string() + ".partial"));

    const auto lines = splitLines(text);
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(kRows) + 1);
    EXPECT_EQ(lines[0], "citizen_id,nhi_card_no,amount,proxies,claim_by");

    std::unordered_set<std::string> ids, nhi_cards;
    int national = 0, resident_new = 0, resident_old = 0, with_nhi = 0, with_proxies = 0,
        with_amount = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        SCOPED_TRACE("line " + std::to_string(i + 1));
        const auto cells = splitOn(lines[i], ',');
        ASSERT_EQ(cells.size(), 5u) << lines[i];
        const auto id = CitizenId::parse(cells[0]);
        ASSERT_TRUE(id.ok()) << id.status().message();
        EXPECT_EQ(id->normalised(), cells[0]) << "IDs are written upper case";
        EXPECT_TRUE(ids.insert(cells[0]).second) << "duplicate citizen id";
        switch (id->kind()) {
            case CitizenIdKind::national:
                ++national;
                break;
            case CitizenIdKind::resident_new:
                ++resident_new;
                break;
            case CitizenIdKind::resident_old:
                ++resident_old;
                break;
        }
        if (!cells[1].empty()) {
            ++with_nhi;
            EXPECT_TRUE(validateNhiCardNumber(cells[1]).ok()) << cells[1];
            EXPECT_TRUE(nhi_cards.insert(cells[1]).second) << "duplicate NHI card number";
        }
        if (!cells[2].empty()) {
            ++with_amount;
            EXPECT_GT(std::stoll(cells[2]), 0);
        }
        if (!cells[3].empty()) {
            ++with_proxies;
            const auto proxies = splitOn(cells[3], ';');
            EXPECT_GE(proxies.size(), 1u);
            EXPECT_LE(proxies.size(), 2u);
            for (const auto& proxy : proxies) {
                EXPECT_TRUE(CitizenId::parse(proxy).ok()) << proxy;
                EXPECT_NE(proxy, cells[0]) << "a citizen is not their own proxy";
            }
            const auto claim_by = parseClaimBy(cells[4]);
            ASSERT_TRUE(claim_by.has_value()) << cells[4];
            EXPECT_NE(*claim_by, ClaimBy::self);
        } else {
            EXPECT_TRUE(cells[4].empty()) << "claim_by without proxies";
        }
    }
    // The default mix: mostly national IDs, a few percent residents, ~90% NHI, ~5% proxies.
    EXPECT_GT(national, kRows * 90 / 100);
    EXPECT_GT(resident_new, kRows * 1 / 100);
    EXPECT_GT(resident_old, 0);
    EXPECT_GT(with_nhi, kRows * 85 / 100);
    EXPECT_LT(with_nhi, kRows * 95 / 100);
    EXPECT_GT(with_proxies, kRows * 3 / 100);
    EXPECT_LT(with_proxies, kRows * 7 / 100);
    EXPECT_GT(with_amount, 0);
    EXPECT_LT(with_amount, kRows * 5 / 100);
}

TEST_F(RosterCommandTest, OtherSeedGivesOtherRosterAndStdoutMatchesFile) {
    const auto file = dir_ / "a.csv";
    ASSERT_EQ(runRoster("--count 500 --seed 1 --out " + file.string()), 0);
    ASSERT_EQ(runRoster("--count 500 --seed 1 --out -", " >" + (dir_ / "stdout.csv").string()), 0);
    EXPECT_EQ(readFile(file), readFile(dir_ / "stdout.csv"));
    ASSERT_EQ(runRoster("--count 500 --seed 2 --out " + (dir_ / "b.csv").string()), 0);
    EXPECT_NE(readFile(file), readFile(dir_ / "b.csv"));
}

TEST_F(RosterCommandTest, FractionsShapeTheRoster) {
    const auto file = dir_ / "plain.csv";
    ASSERT_EQ(runRoster("--count 1000 --seed 3 --nhi-fraction 0 --proxy-fraction 0 "
                        "--amount-fraction 0 --resident-new-fraction 0 --resident-old-fraction 0 "
                        "--out " +
                        file.string()),
              0);
    const auto lines = splitLines(readFile(file));
    ASSERT_EQ(lines.size(), 1001u);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        ASSERT_EQ(lines[i].size(), 14u) << lines[i];  // "A123456789,,,,"
        EXPECT_EQ(CitizenId::parse(lines[i].substr(0, 10))->kind(), CitizenIdKind::national);
    }
    ASSERT_EQ(runRoster("--count 300 --seed 3 --nhi-fraction 1 --proxy-fraction 1 --out " +
                        file.string()),
              0);
    for (const auto& line : splitLines(readFile(file))) {
        if (line.rfind("citizen_id", 0) == 0) continue;
        const auto cells = splitOn(line, ',');
        ASSERT_EQ(cells.size(), 5u);
        EXPECT_EQ(cells[1].size(), 12u);
        EXPECT_FALSE(cells[3].empty());
    }
}

TEST_F(RosterCommandTest, BadArgumentsAreRefusedWithUsage) {
    const auto out = " --out " + (dir_ / "x.csv").string();
    EXPECT_EQ(runRoster("--seed 1" + out), 2);  // no --count
    EXPECT_NE(readFile(dir_ / "stderr.txt").find("--count is required"), std::string::npos);
    EXPECT_EQ(runRoster("--count 0" + out), 2);
    EXPECT_EQ(runRoster("--count 12x" + out), 2);
    EXPECT_EQ(runRoster("--count 1000000000" + out), 2);
    EXPECT_EQ(runRoster("--count 10 --nhi-fraction 1.5" + out), 2);
    EXPECT_EQ(runRoster("--count 10 --bogus 1" + out), 2);
    EXPECT_EQ(runRoster("--count 10"), 2);  // no --out
    EXPECT_FALSE(fs::exists(dir_ / "x.csv"));
    EXPECT_EQ(runRoster("--help", " >" + (dir_ / "help.txt").string()), 0);
    EXPECT_NE(readFile(dir_ / "help.txt").find("--proxy-fraction"), std::string::npos);
}

TEST_F(RosterCommandTest, UnwritableOutputFailsWithoutLeavingAFile) {
    const auto target = dir_ / "no-such-dir" / "roster.csv";
    EXPECT_EQ(runRoster("--count 10 --seed 1 --out " + target.string()), 1);
    EXPECT_NE(readFile(dir_ / "stderr.txt").find("cannot create"), std::string::npos);
    EXPECT_FALSE(fs::exists(target));
}

}  // namespace
}  // namespace claimgate::protocols
