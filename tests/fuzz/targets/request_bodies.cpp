// Fuzz target: the gateway's request decoding (contracts §5): JSON bodies of eligibility, hold,
// commit and void, the error envelope the SDK reads back, program files, Idempotency-Key and
// claim references. The first byte picks the decoder; the rest is the body. Properties: no
// crash, and whatever a decoder accepts re-encodes to a body it accepts again, unchanged; a
// claimant body decodes the same through the in-place reader as through nlohmann.
#include "fuzz_support.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/messages.hpp>
#include <claimgate/protocols/program.hpp>

#include <nlohmann/json.hpp>

#include <string>

using namespace claimgate::protocols;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    claimgate::fuzz::FuzzReader input(data, size);
    const std::uint8_t selector = input.takeByte();
    const std::string_view body = input.rest();
    switch (selector % 7) {
        case 0:
        case 1: {
            const auto decode = [selector](std::string_view text) {
                return selector % 7 == 0 ? decodeEligibilityRequest(text)
                                         : decodeClaimRequest(text);
            };
            auto request = decode(body);
            // The flat bodies terminals send are read in place, the rest through nlohmann. The
            // same object with an unknown member first always takes nlohmann's path, and must
            // decode to the same request or the same error.
            const auto dom = nlohmann::json::parse(body, nullptr, false);
            if (dom.is_discarded() || !dom.is_object()) {
                CG_ASSERT(!request.ok(), "a body that is not a JSON object is refused");
            } else if (!dom.empty()) {
                std::string padded(body);
                padded.insert(padded.find('{') + 1, "\"~unknown\":[],");
                const auto through_dom = decode(padded);
                CG_ASSERT(request.ok() == through_dom.ok(), "both readers accept or both refuse");
                if (request.ok()) {
                    CG_ASSERT(request->toJson() == through_dom->toJson(),
                              "both readers decode the same request");
                } else {
                    CG_ASSERT(request.status().code() == through_dom.status().code() &&
                                  request.status().message() == through_dom.status().message() &&
                                  request.status().detail() == through_dom.status().detail(),
                              "both readers refuse with the same error");
                }
            }
            if (request.ok()) {
                const std::string again = request->toJson().dump();
                auto reparsed =
                    selector % 7 == 0 ? decodeEligibilityRequest(again) : decodeClaimRequest(again);
                CG_ASSERT(reparsed.ok(), "an accepted claimant request re-encodes validly");
                CG_ASSERT(reparsed->citizen_id == request->citizen_id &&
                              reparsed->amount == request->amount &&
                              reparsed->program == request->program,
                          "a claimant request survives a round trip");
                CG_ASSERT(CitizenId::parse(request->citizen_id).ok(),
                          "a decoded citizen ID is valid");
            }
            break;
        }
        case 2: {
            auto request = decodeCommitRequest(body);
            if (request.ok()) {
                auto reparsed = decodeCommitRequest(request->toJson().dump());
                CG_ASSERT(reparsed.ok() && reparsed->amount == request->amount &&
                              reparsed->terminal_ref == request->terminal_ref,
                          "a commit request survives a round trip");
                CG_ASSERT(request->amount > 0, "a decoded commit pays a positive amount");
            }
            break;
        }
        case 3: {
            auto request = decodeVoidRequest(body);
            if (request.ok()) {
                auto reparsed = decodeVoidRequest(request->toJson().dump());
                CG_ASSERT(reparsed.ok() && reparsed->reason == request->reason,
                          "a void request survives a round trip");
            }
            break;
        }
        case 4: {
            const auto envelope = decodeErrorEnvelope(body);
            if (envelope) (void)encodeErrorEnvelope(*envelope);
            (void)parseJsonObject(body);
            break;
        }
        case 5: {
            auto program = Program::fromJson(body);
            if (program.ok()) {
                auto reparsed = Program::fromJson(program->toJson().dump());
                CG_ASSERT(reparsed.ok() && reparsed->id == program->id &&
                              reparsed->amount == program->amount,
                          "a program file survives a round trip");
            }
            break;
        }
        default: {
            // Header values and path parameters: Idempotency-Key and citizen IDs by line.
            while (!input.empty()) {
                const std::string_view line = input.takeLine();
                (void)isValidIdempotencyKey(line);
                (void)CitizenId::maskCitizenId(line);
            }
            break;
        }
    }
    return 0;
}
