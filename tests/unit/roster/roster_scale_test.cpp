// contracts §8/§9 scale: a 23-million-citizen roster must be cheap to make (well under a minute).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

TEST(RosterScaleTest, TwentyThreeMillionRowsInUnderAMinute) {
    const char* dir = std::getenv("CG_BIN_DIR");
    const std::string bin = std::string(dir != nullptr ? dir : CG_TEST_BIN_DIR) + "/claimgate-sim";
    const std::string log = ::testing::TempDir() + "cg-roster-scale.log";
    const std::string command = bin + " roster --count 23000000 --seed 2023 --out - " + "2>" + log +
                                " | wc -l >" + log + ".lines";
    const auto started = std::chrono::steady_clock::now();
    const int status = std::system(command.c_str());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    std::ifstream lines(log + ".lines");
    long long count = 0;
    lines >> count;
    EXPECT_EQ(count, 23'000'001LL) << "header plus one line per citizen";
    std::ostringstream text;
    text << std::ifstream(log).rdbuf();
    EXPECT_NE(text.str().find("wrote 23000000 rows"), std::string::npos) << text.str();
    EXPECT_LT(seconds, 60.0);
    std::remove(log.c_str());
    std::remove((log + ".lines").c_str());
}

}  // namespace
