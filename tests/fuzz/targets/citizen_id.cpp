// Fuzz target: citizen ID and NHI card number validation, masking and timestamps. Properties:
// an accepted ID is 10 characters, normalised, accepted again unchanged; its mask never shows
// more than the first three and last two characters; an accepted NHI number is 12 digits.
#include "fuzz_support.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <algorithm>
#include <cctype>

using namespace claimgate::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    claimgate::fuzz::FuzzReader input(data, size);
    while (!input.empty()) {
        const std::string_view line = input.takeLine();
        if (auto id = CitizenId::parse(line); id.ok()) {
            const std::string& text = id->normalised();
            CG_ASSERT(text.size() == 10, "a citizen ID is 10 characters");
            auto again = CitizenId::parse(text);
            CG_ASSERT(again.ok() && again->normalised() == text && again->kind() == id->kind(),
                      "a normalised citizen ID parses to itself");
            const std::string mask = id->masked();
            CG_ASSERT(mask.size() == text.size() && mask.compare(0, 3, text, 0, 3) == 0 &&
                          std::count(mask.begin(), mask.end(), '*') == 5,
                      "a mask keeps the first three and last two characters only");
        }
        const std::string mask = CitizenId::maskCitizenId(line);
        CG_ASSERT(mask.size() == line.size() &&
                      (line.size() < 6 ? mask.find_first_not_of('*') == std::string::npos
                                       : mask.find_first_not_of('*', 3) >= mask.size() - 2),
                  "a mask hides everything but the first three and last two characters");
        if (validateNhiCardNumber(line).ok()) {
            CG_ASSERT(line.size() == 12 &&
                          std::all_of(line.begin(), line.end(),
                                      [](char c) {
                                          return std::isdigit(static_cast<unsigned char>(c)) != 0;
                                      }),
                      "an accepted NHI card number is 12 digits");
        }
        if (const auto millis = parseRfc3339Millis(line)) {
            const auto again = parseRfc3339Millis(formatRfc3339Millis(*millis));
            CG_ASSERT(again && *again == *millis, "a parsed timestamp formats back to itself");
        }
    }
    return 0;
}
