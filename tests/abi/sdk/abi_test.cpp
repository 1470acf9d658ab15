// The SDK's binary contract: strict C99 header, exact export list, and a vendor build of the C
// (and C++) sample against the installed SDK with pkg-config alone.
#include "shell.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace claimgate::sdk::abi {
namespace {

const std::string kInclude = CG_ABI_SDK_INCLUDE;
const std::string kHere = CG_ABI_HERE;

TEST(SdkHeaderTest, CompilesAsStrictC99) {
    const auto result = runShell(std::string(CG_ABI_C_COMPILER) +
                                 " -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -I" +
                                 kInclude + " " + kHere + "/header_c99.c");
    EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(SdkHeaderTest, CompilesAsCxx11AndCxx20) {
    for (const char* standard : {"c++11", "c++20"}) {
        const auto result = runShell(std::string(CG_ABI_CXX_COMPILER) + " -x c++ -std=" + standard +
                                     " -Wall -Wextra -Werror -pedantic -fsyntax-only -I" +
                                     kInclude + " " + kHere + "/header_c99.c");
        EXPECT_EQ(result.exit_code, 0) << standard << "\n" << result.output;
    }
    const auto cxx_api = runShell(std::string(CG_ABI_CXX_COMPILER) +
                                  " -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -I" +
                                  kInclude + " " + kHere + "/header_cxx.cpp");
    EXPECT_EQ(cxx_api.exit_code, 0) << "the C++ API needs only C++17 and std\n" << cxx_api.output;
}

TEST(SdkHeaderTest, PublicHeadersIncludeNoThirdPartyHeaders) {
    const auto result =
        runShell("grep -rnE '#include *[<\"](Poco|boost|nlohmann|sqlite3|openssl)' " + kInclude);
    EXPECT_NE(result.exit_code, 0) << result.output;
}

TEST(SdkSharedLibraryTest, ExportsExactlyTheApi) {
    const auto nm = runShell(std::string("nm -D --defined-only ") + CG_ABI_SDK_SO + " | c++filt");
    ASSERT_EQ(nm.exit_code, 0) << nm.output;
    std::set<std::string> exported;
    std::istringstream lines(nm.output);
    std::string line;
    while (std::getline(lines, line)) {
        // "<address> <type> <name...>" - demangled names contain spaces.
        const auto first = line.find(' ');
        const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
        if (second != std::string::npos) {
            exported.insert(line.substr(second + 1));
        }
    }
    std::set<std::string> expected;
    std::ifstream file(kHere + "/exported_symbols.txt");
    while (std::getline(file, line)) {
        if (!line.empty() && line[0] != '#') {
            expected.insert(line);
        }
    }
    ASSERT_FALSE(expected.empty());
    for (const auto& name : exported) {
        EXPECT_EQ(expected.count(name), 1U) << "exported but not API: " << name;
    }
    for (const auto& name : expected) {
        EXPECT_EQ(exported.count(name), 1U) << "API but not exported: " << name;
    }
}

TEST(SdkInstallTest, VendorBuildsAndRunsTheSamplesAgainstTheInstalledSdkWithPkgConfigAlone) {
    const auto prefix = makeTempDir("sdk-install");
    const auto install = runShell(std::string(CG_ABI_CMAKE) + " --install " + CG_ABI_BUILD_DIR +
                                  " --component sdk --prefix " + prefix.string());
    ASSERT_EQ(install.exit_code, 0) << install.output;
    const std::string pc = "PKG_CONFIG_PATH=" + prefix.string() + "/lib/pkgconfig";
    const auto flags = runShell(pc + " pkg-config --cflags --libs claimgate-sdk");
    ASSERT_EQ(flags.exit_code, 0) << flags.output;
    EXPECT_NE(flags.output.find("-lclaimgate-sdk"), std::string::npos) << flags.output;
    EXPECT_NE(flags.output.find("-Wl,-rpath," + prefix.string()), std::string::npos)
        << "the run path that makes a built program run as installed: " << flags.output;

    const std::string samples = prefix.string() + "/share/claimgate-sdk/samples";
    const auto build_c = runShell("cc -std=c99 -Wall -Werror " + samples + "/minimal_atm.c $(" +
                                  pc + " pkg-config --cflags --libs claimgate-sdk) -o " +
                                  prefix.string() + "/minimal_atm");
    ASSERT_EQ(build_c.exit_code, 0) << build_c.output;
    // No LD_LIBRARY_PATH: the run path from pkg-config finds the installed library.
    const auto run_c =
        runShell("env -u LD_LIBRARY_PATH " + prefix.string() + "/minimal_atm --help");
    EXPECT_EQ(run_c.exit_code, 0) << run_c.output;
    EXPECT_NE(run_c.output.find("usage: minimal_atm"), std::string::npos) << run_c.output;
    EXPECT_NE(run_c.output.find("ABI 1"), std::string::npos) << run_c.output;

    const auto build_cxx =
        runShell("c++ -std=c++17 -Wall -Werror " + samples + "/counter.cpp $(" + pc +
                 " pkg-config --cflags --libs claimgate-sdk) -o " + prefix.string() + "/counter");
    ASSERT_EQ(build_cxx.exit_code, 0) << build_cxx.output;
    const auto run_cxx = runShell("env -u LD_LIBRARY_PATH " + prefix.string() + "/counter --help");
    EXPECT_EQ(run_cxx.exit_code, 0) << run_cxx.output;

    // The CMake package: shared and static targets, from a vendor's own project.
    const std::string consumer_build = prefix.string() + "/consumer-build";
    const auto configure = runShell(
        std::string(CG_ABI_CMAKE) + " -S " + kHere + "/cmake_consumer -B " + consumer_build +
        " -DCMAKE_PREFIX_PATH=" + prefix.string() + " -DSAMPLE_DIR=" + samples +
        (std::string(CG_ABI_EXE_LINKER_FLAGS).empty()
             ? std::string()
             : " '-DCMAKE_EXE_LINKER_FLAGS=" + std::string(CG_ABI_EXE_LINKER_FLAGS) + "'"));
    ASSERT_EQ(configure.exit_code, 0) << configure.output;
    const auto build = runShell(std::string(CG_ABI_CMAKE) + " --build " + consumer_build);
    ASSERT_EQ(build.exit_code, 0) << build.output;
    const auto run_static = runShell(consumer_build + "/atm_static --help");
    EXPECT_EQ(run_static.exit_code, 0) << run_static.output;
    const auto ldd = runShell("ldd " + consumer_build + "/atm_static");
    EXPECT_EQ(ldd.output.find("libclaimgate-sdk"), std::string::npos) << ldd.output;

    EXPECT_TRUE(std::filesystem::exists(prefix / "lib/libclaimgate-sdk.a"));
    EXPECT_TRUE(
        std::filesystem::exists(prefix / "lib/cmake/claimgate-sdk/claimgate-sdk-config.cmake"));
    std::filesystem::remove_all(prefix);
}

}  // namespace
}  // namespace claimgate::sdk::abi
