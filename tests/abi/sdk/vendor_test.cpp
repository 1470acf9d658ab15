// Issue 12 "done when", as a vendor does it: install the SDK, build a C program against the
// installed copy with pkg-config alone, run it WITHOUT LD_LIBRARY_PATH (the .pc file's run
// path), and let it meet a real gateway over mutual TLS: a paid claim's receipt verifies
// offline, one altered digit is refused, a mismatched key and an unknown CA are
// CG_CONFIG_ERROR. Every C example of docs/sdk-guide.md compiles against the same install.
#include "sdk_test_world.hpp"
#include "shell.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace claimgate::sdk::abi {
namespace {

const std::string kHere = CG_ABI_HERE;

class SdkVendorInstallTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        prefix_ = new std::filesystem::path(makeTempDir("sdk-vendor"));
        const auto install = runShell(std::string(CG_ABI_CMAKE) + " --install " + CG_ABI_BUILD_DIR +
                                      " --component sdk --prefix " + prefix_->string());
        installed_ = install.exit_code == 0;
        if (!installed_) {
            std::fprintf(stderr, "install failed:\n%s\n", install.output.c_str());
        }
    }
    static void TearDownTestSuite() {
        std::filesystem::remove_all(*prefix_);
        delete prefix_;
    }
    void SetUp() override { ASSERT_TRUE(installed_); }

    static std::string pkgConfig() {
        return "$(PKG_CONFIG_PATH=" + prefix_->string() +
               "/lib/pkgconfig pkg-config --cflags --libs claimgate-sdk)";
    }

    static std::filesystem::path* prefix_;
    static bool installed_;
};

std::filesystem::path* SdkVendorInstallTest::prefix_ = nullptr;
bool SdkVendorInstallTest::installed_ = false;

TEST_F(SdkVendorInstallTest, ReceiptsAndConfigErrorsFromAnInstalledSdkWithoutLdLibraryPath) {
    const std::string program = prefix_->string() + "/vendor_receipt";
    const auto build = runShell("cc -std=c99 -Wall -Wextra -Werror -pedantic " + kHere +
                                "/vendor/vendor_receipt.c " + pkgConfig() + " -o " + program);
    ASSERT_EQ(build.exit_code, 0) << build.output;

    testing::SdkTestWorld world(8);
    std::string error;
    ASSERT_TRUE(world.setUp(error)) << error;
    const auto& person = world.citizens().at(0);
    // env -u: the program must find libclaimgate-sdk.so through its run path alone.
    const auto run = runShell("env -u LD_LIBRARY_PATH " + program + " " + world.gatewayUrl() + " " +
                              world.pkiDir() + " " + world.file("vendor.journal") + " " +
                              testing::SdkTestWorld::kProgram + " " + person.id + " " + person.nhi);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("vendor: all checks passed"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("ok   verify altered digit: CG_REFUSED"), std::string::npos)
        << run.output;
    EXPECT_EQ(run.output.find(person.id), std::string::npos) << "no full citizen ID printed";
}

// Every ```c block of the guide is a complete translation unit; each must compile (strict
// C99, warnings as errors) against the installed headers, so the guide cannot drift from the
// ABI.
TEST_F(SdkVendorInstallTest, EveryCExampleOfTheSdkGuideCompiles) {
    std::ifstream guide(std::string(CG_ABI_SOURCE_DIR) + "/docs/sdk-guide.md");
    ASSERT_TRUE(guide.good());
    std::vector<std::string> blocks;
    std::string line;
    std::ostringstream block;
    bool inside = false;
    while (std::getline(guide, line)) {
        if (!inside && line == "```c") {
            inside = true;
            block.str("");
        } else if (inside && line == "```") {
            inside = false;
            blocks.push_back(block.str());
        } else if (inside) {
            block << line << '\n';
        }
    }
    ASSERT_GE(blocks.size(), 6U) << "the guide shows a C example per point of issue 12";
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const std::string source = prefix_->string() + "/guide_" + std::to_string(i) + ".c";
        std::ofstream(source) << blocks[i];
        const auto compiled = runShell("cc -std=c99 -Wall -Wextra -Werror -pedantic -c " + source +
                                       " " + pkgConfig() + " -o " + source + ".o");
        EXPECT_EQ(compiled.exit_code, 0) << "guide example " << i << ":\n"
                                         << blocks[i] << "\n"
                                         << compiled.output;
    }
}

}  // namespace
}  // namespace claimgate::sdk::abi
