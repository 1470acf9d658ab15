// File: ledger_payout_audit.hpp
// Counts double payouts straight from a gateway's SQLite ledger, opened read-only so that the
// audit can run beside a live gateway without ever writing to its file.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <string>

namespace claimgate::simulators {

struct LedgerPayoutCounts {
    std::uint64_t double_paid_citizens = 0;  // (program, citizen_key) with more than one paid claim
    std::uint64_t paid_claims = 0;
};

/// Reads DATA_DIR/ledger.db (contracts §6 tables) read-only.
[[nodiscard]] protocols::Result<LedgerPayoutCounts> countLedgerPayouts(const std::string& data_dir);

}  // namespace claimgate::simulators
