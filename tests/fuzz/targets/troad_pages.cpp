// Fuzz target: what the gateway decodes from the T-Road platform (contracts §8): roster pages,
// payout pages and claim-batch receipts. The first byte picks the decoder. Properties: no
// crash; every citizen ID a page yields is valid and normalised (a bad one must fail the page,
// never reach the ledger); a page never yields more entries than the page limit.
#include "fuzz_support.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/troad/claim_batch.hpp>
#include <claimgate/troad/payout_page.hpp>
#include <claimgate/troad/roster_page.hpp>
#include <claimgate/troad/troad_limits.hpp>

using namespace claimgate;

namespace {

bool isNormalisedCitizenId(const std::string& text) {
    const auto parsed = protocols::CitizenId::parse(text);
    return parsed.ok() && parsed->normalised() == text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzReader input(data, size);
    const std::uint8_t selector = input.takeByte();
    const std::string_view body = input.rest();
    switch (selector % 3) {
        case 0:
            if (auto page = troad::RosterPage::fromJson(body); page.ok()) {
                CG_ASSERT(page->entries.size() <= troad::kRosterPageEntriesMax,
                          "a roster page holds at most the page limit");
                for (const auto& entry : page->entries) {
                    CG_ASSERT(isNormalisedCitizenId(entry.citizen_id),
                              "a roster page yields only valid citizen IDs");
                    for (const auto& proxy : entry.proxies) {
                        CG_ASSERT(isNormalisedCitizenId(proxy),
                                  "a roster page yields only valid proxy IDs");
                    }
                }
            }
            break;
        case 1:
            if (auto page = troad::PayoutPage::fromJson(body); page.ok()) {
                CG_ASSERT(page->payouts.size() <= troad::kPayoutPageEntriesMax,
                          "a payout page holds at most the page limit");
                for (const auto& payout : page->payouts) {
                    CG_ASSERT(isNormalisedCitizenId(payout.citizen_id),
                              "a payout page yields only valid citizen IDs");
                }
            }
            break;
        default:
            (void)troad::ClaimBatchReceipt::fromJson(body);
            break;
    }
    return 0;
}
