// File: openssl_algorithms.hpp
// Algorithms fetched from OpenSSL's providers once per process (see digest.cpp for why).
#pragma once

#include <openssl/evp.h>

namespace claimgate::protocols {

/// SHA-256, fetched on first use and kept for the process's life. Throws if OpenSSL has none.
const EVP_MD* sha256Algorithm();

}  // namespace claimgate::protocols
