// File: journal_entry.hpp
// One row of the store-and-forward journal.
#pragma once

#include <cstdint>
#include <string>

namespace claimgate::sdk {

enum class AdviceKind {
    reserve,  ///< a reserve whose answer never came: reversed (replayed, then voided) by the sender
    commit,   ///< cash left the device
    void_,    ///< cash did not leave the device
};

[[nodiscard]] const char* adviceKindName(AdviceKind kind) noexcept;

struct JournalEntry {
    std::int64_t id = 0;
    AdviceKind kind = AdviceKind::commit;
    std::string idempotency_key;
    std::string claim_id;
    std::string path;
    std::string body;  ///< plaintext (a reserve's is sealed at rest, journal_sealer.hpp)
    /// A sealed reserve body that this terminal key cannot open (key replaced since): the
    /// reversal cannot be replayed; the gateway's hold expires on its own.
    bool body_unreadable = false;
    std::int64_t attempts = 0;
    std::int64_t next_attempt_ms = 0;  ///< wall clock (survives reboots)
    std::int64_t created_ms = 0;
};

}  // namespace claimgate::sdk
