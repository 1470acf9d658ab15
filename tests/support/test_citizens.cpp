#include "test_citizens.hpp"

#include <claimgate/protocols/citizen_id.hpp>

#include <cstdio>
#include <stdexcept>

namespace claimgate::testing {
namespace {

std::string prefixOf(std::uint32_t serial, char letter, char gender) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%c%c%07u", letter, gender, serial % 10'000'000U);
    return buffer;
}

}  // namespace

std::string nationalId(std::uint32_t serial, char letter, char gender) {
    const std::string prefix = prefixOf(serial, letter, gender);
    for (char check = '0'; check <= '9'; ++check) {
        std::string candidate = prefix + check;
        if (protocols::CitizenId::parse(candidate)) return candidate;
    }
    throw std::logic_error("no check digit makes a valid ID");
}

std::string nhiCardNumber(std::uint32_t serial) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0009%08u", serial % 100'000'000U);
    return buffer;
}

std::string badChecksumId(std::uint32_t serial) {
    const std::string good = nationalId(serial);
    std::string bad = good;
    bad.back() = good.back() == '9' ? '0' : static_cast<char>(good.back() + 1);
    return bad;
}

}  // namespace claimgate::testing
