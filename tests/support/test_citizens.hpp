// File: test_citizens.hpp
// Synthetic but valid citizen IDs and NHI card numbers for tests (never real people: the
// serials are small and the checksum is found by asking the production validator).
#pragma once

#include <cstdint>
#include <string>

namespace claimgate::testing {

/// A national ID `<letter><gender><7-digit serial><check>` that CitizenId::parse accepts.
[[nodiscard]] std::string nationalId(std::uint32_t serial, char letter = 'A', char gender = '1');
/// A 12-digit NHI card number derived from `serial`.
[[nodiscard]] std::string nhiCardNumber(std::uint32_t serial);
/// A syntactically plausible national ID whose checksum is wrong.
[[nodiscard]] std::string badChecksumId(std::uint32_t serial);

}  // namespace claimgate::testing
