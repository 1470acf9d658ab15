// File: troad_test_files.hpp
// Temp directories and throwaway P-256 key pairs for the T-Road unit tests.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace claimgate::troad::testing {

class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "cg-troad-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// Writes NAME.key (private, PEM) and NAME.pub (public, PEM) of a fresh P-256 key.
inline void writeKeyPair(const std::string& base) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (key == nullptr) {
        throw std::runtime_error("key generation failed");
    }
    FILE* private_file = std::fopen((base + ".key").c_str(), "w");
    FILE* public_file = std::fopen((base + ".pub").c_str(), "w");
    const bool ok = private_file != nullptr && public_file != nullptr &&
                    PEM_write_PrivateKey(private_file, key, nullptr, nullptr, 0, nullptr,
                                         nullptr) == 1 &&
                    PEM_write_PUBKEY(public_file, key) == 1;
    if (private_file != nullptr) {
        std::fclose(private_file);
    }
    if (public_file != nullptr) {
        std::fclose(public_file);
    }
    EVP_PKEY_free(key);
    if (!ok || ::chmod((base + ".key").c_str(), 0600) != 0) {
        throw std::runtime_error("cannot write key pair " + base);
    }
}

inline std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

inline void writeAll(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

}  // namespace claimgate::troad::testing
