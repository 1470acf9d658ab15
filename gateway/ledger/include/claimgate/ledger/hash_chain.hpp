// File: hash_chain.hpp
// The claim_events hash chain (contracts invariant 4): hash_n = SHA-256(hash_{n-1} || event_n),
// with hash_0 = 32 zero bytes. Used by the writer to extend it and by `claimgate-recon verify`.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include <optional>
#include <string>

namespace claimgate::gateway {

struct ChainHead {
    std::int64_t seq = 0;
    protocols::Sha256Digest hash{};
};

[[nodiscard]] protocols::Sha256Digest chainLink(const protocols::Sha256Digest& previous,
                                                std::string_view event_body);

struct ChainVerification {
    bool ok = true;
    std::int64_t events = 0;
    std::optional<std::int64_t> first_broken_seq;
    std::string problem;  // e.g. "hash mismatch", "sequence gap after 41"
};

/// Recomputes the whole chain from the store, naming the first broken link.
[[nodiscard]] ChainVerification verifyChain(LedgerStore& store);

}  // namespace claimgate::gateway
