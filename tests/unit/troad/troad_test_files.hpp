// File: troad_test_files.hpp
// Throwaway P-256 key pairs (and the shared temp directory) for the T-Road unit tests.
#pragma once

#include "temp_dir.hpp"

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

/// The shared temporary-directory helper (tests/support/temp_dir.hpp).
using ScratchDir = ::claimgate::testing::TempDir;

/// Writes NAME.key (private, PEM) and NAME.pub (public, PEM) of a fresh P-256 key.
inline void writeKeyPair(const std::string& base) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (key == nullptr) {
        throw std::runtime_error("key generation failed");
    }
    FILE* private_file = std::fopen((base + ".key").c_str(), "w");
    FILE* public_file = std::fopen((base + ".pub").c_str(), "w");
    const bool ok =
        private_file != nullptr && public_file != nullptr &&
        PEM_write_PrivateKey(private_file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
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
