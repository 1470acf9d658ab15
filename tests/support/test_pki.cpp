#include "test_pki.hpp"

#include "temp_dir.hpp"

#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace claimgate::testing {

std::string sourceDir() {
    const char* env = std::getenv("CG_SOURCE_DIR");
    return env != nullptr && *env != '\0' ? env : CG_TEST_SOURCE_DIR;
}

std::string binDir() {
    const char* env = std::getenv("CG_BIN_DIR");
    return env != nullptr && *env != '\0' ? env : CG_TEST_BIN_DIR;
}

const TestPki& TestPki::shared() {
    // The directory lives as long as the process: every test of the binary shares it.
    static std::unique_ptr<TempDir> dir;
    static std::unique_ptr<TestPki> pki;
    static std::once_flag once;
    std::call_once(once, [] {
        dir = std::make_unique<TempDir>("cg-pki");
        const std::string out = dir->file("pki");
        const std::string command = "'" + sourceDir() + "/certs/dev-pki.sh' '" + out + "' > '" +
                                    dir->file("dev-pki.log") + "' 2>&1";
        if (std::system(command.c_str()) != 0) {
            throw std::runtime_error("certs/dev-pki.sh failed: " +
                                     readFileBytes(dir->file("dev-pki.log")));
        }
        pki.reset(new TestPki(out));
    });
    return *pki;
}

}  // namespace claimgate::testing
