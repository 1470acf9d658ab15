#include <claimgate/ledger/hash_chain.hpp>

namespace claimgate::gateway {

protocols::Sha256Digest chainLink(const protocols::Sha256Digest& previous,
                                  std::string_view event_body) {
    return protocols::sha256Concat(protocols::asBytes(previous), event_body);
}

ChainVerification verifyChain(LedgerStore& store) {
    ChainVerification result;
    protocols::Sha256Digest previous{};
    std::int64_t expected_seq = 1;
    store.forEachEvent([&](const ClaimEvent& event) {
        if (event.seq != expected_seq) {
            result.ok = false;
            result.first_broken_seq = expected_seq;
            result.problem = "sequence gap: expected event " + std::to_string(expected_seq) +
                             ", found " + std::to_string(event.seq);
            return false;
        }
        const auto recomputed = chainLink(previous, event.body);
        if (recomputed != event.hash) {
            result.ok = false;
            result.first_broken_seq = event.seq;
            result.problem = "hash mismatch at event " + std::to_string(event.seq) + " (claim " +
                             event.claim_id + ")";
            return false;
        }
        previous = event.hash;
        ++expected_seq;
        ++result.events;
        return true;
    });
    return result;
}

}  // namespace claimgate::gateway
