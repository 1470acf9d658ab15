// File: test_pki.hpp
// The development PKI (certs/dev-pki.sh) made once per test process in a temp dir, with the
// file names of contracts §11.
#pragma once

#include <string>

namespace claimgate::testing {

class TestPki {
public:
    /// Runs certs/dev-pki.sh on first use (thread-safe); throws std::runtime_error if it fails.
    static const TestPki& shared();

    [[nodiscard]] const std::string& dir() const { return dir_; }
    [[nodiscard]] std::string caPem() const { return dir_ + "/ca.pem"; }
    [[nodiscard]] std::string receiptPem() const { return dir_ + "/receipt.pem"; }
    [[nodiscard]] std::string terminalPem(const std::string& id) const {
        return dir_ + "/terminals/" + id + ".pem";
    }
    [[nodiscard]] std::string terminalKey(const std::string& id) const {
        return dir_ + "/terminals/" + id + ".key";
    }
    [[nodiscard]] std::string untrustedPem() const { return dir_ + "/untrusted/client.pem"; }
    [[nodiscard]] std::string untrustedKey() const { return dir_ + "/untrusted/client.key"; }

private:
    explicit TestPki(std::string dir) : dir_(std::move(dir)) {}
    std::string dir_;
};

/// The repository root (CG_SOURCE_DIR, else the configure-time path).
[[nodiscard]] std::string sourceDir();
/// Where the built executables are (CG_BIN_DIR, else the configure-time path).
[[nodiscard]] std::string binDir();

}  // namespace claimgate::testing
