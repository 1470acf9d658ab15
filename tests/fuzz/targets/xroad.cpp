// Fuzz target: X-Road headers and identifiers (contracts §8): X-Road-Client and service ids,
// percent-encoded path segments and queries, X-Road-Id UUIDs, and the error an X-Road security
// server returns (status, headers, body). Input: a selector byte, then "Name: value" header
// lines, an empty line, and the body. Properties: no crash; accepted identifiers re-encode to
// text that parses to the same identifier; decoding inverts encoding.
#include "fuzz_support.hpp"

#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/xroad_client_id.hpp>
#include <claimgate/protocols/xroad_encoding.hpp>
#include <claimgate/protocols/xroad_error.hpp>
#include <claimgate/protocols/xroad_headers.hpp>
#include <claimgate/protocols/xroad_id.hpp>
#include <claimgate/protocols/xroad_service_id.hpp>

using namespace claimgate::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    claimgate::fuzz::FuzzReader input(data, size);
    const std::uint8_t selector = input.takeByte();
    XroadHeaders headers;
    while (!input.empty()) {
        const std::string_view line = input.takeLine();
        if (line.empty()) break;
        const std::size_t colon = line.find(':');
        const std::string_view name = line.substr(0, colon);
        std::string_view value =
            colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        headers.add(std::string(name), std::string(value));

        if (auto client = XroadClientId::parse(value); client.ok()) {
            auto again = XroadClientId::parse(client->headerValue());
            CG_ASSERT(again.ok() && again->headerValue() == client->headerValue(),
                      "an X-Road client id re-encodes to itself");
        }
        if (auto service = XroadServiceId::parse(value); service.ok()) {
            auto again = XroadServiceId::parse(service->encoded());
            CG_ASSERT(again.ok() && again->encoded() == service->encoded() &&
                          again->serviceCode() == service->serviceCode(),
                      "an X-Road service id re-encodes to itself");
        }
        (void)isUuidText(value);
        if (const auto decoded = percentDecode(value)) {
            const auto round = percentDecode(percentEncodeSegment(*decoded));
            CG_ASSERT(round && *round == *decoded, "percent-decoding inverts encoding");
        }
        (void)splitEncodedPath(value);
        if (const auto query = decodeQuery(value)) {
            const auto round = decodeQuery(encodeQuery(*query));
            CG_ASSERT(round && *round == *query, "a decoded query re-encodes to itself");
        }
    }
    const int status = 200 + (selector % 4) * 100 + selector / 64;
    (void)headers.get(kXroadErrorHeader);
    (void)parseXroadError(status, headers, input.rest());
    return 0;
}
