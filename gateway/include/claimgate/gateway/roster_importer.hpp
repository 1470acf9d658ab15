// File: roster_importer.hpp
// `claimgate-gateway roster import`: reads a roster CSV (contracts §11), validates every row,
// HMACs IDs, NHI numbers and proxies on arrival (no plaintext reaches the ledger file) and
// upserts in large transactions. Bad lines are reported by number and counted against
// kRosterBadLinesMax; beyond it the import stops and the current batch is rolled back.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::gateway {

/// One validated roster entry in plain text, as a roster CSV line or a T-Road roster page gives
/// it (IDs normalised and checksum-verified, the NHI number 12 digits or empty).
struct RosterEntryFields {
    std::string_view program;
    std::string_view citizen_id;
    std::string_view nhi_card_no;            // empty = none
    std::int64_t amount = 0;                 // 0 = the program's amount
    const std::vector<std::string>* proxies = nullptr;  // normalised IDs, may be null
    std::optional<protocols::ClaimBy> claim_by;  // empty: self without proxies, else either
    std::optional<std::string> excluded;
};

/// The one rule for turning a roster entry into a stored row, shared by `roster import` and
/// `claimgate-recon pull`: citizen and proxy IDs become HMAC(pepper, ID), the NHI number
/// HMAC(pepper, "nhi:" + number) - the same keys the claim service computes per request.
[[nodiscard]] RosterRow buildRosterRow(const std::string& pepper, const RosterEntryFields& fields);

struct RosterImportSummary {
    std::uint64_t rows_imported = 0;
    std::uint64_t lines_rejected = 0;
    std::vector<std::string> problems;  // "line 17: invalid citizen id checksum", at most 20
};

class RosterImporter {
public:
    using Progress = std::function<void(std::uint64_t rows, std::uint64_t bytes_read,
                                        std::uint64_t bytes_total)>;

    RosterImporter(LedgerStore& store, std::string pepper) : store_(store), pepper_(std::move(pepper)) {}

    protocols::Result<RosterImportSummary> importFile(const std::string& program_id,
                                                      const std::string& csv_path,
                                                      const Progress& progress);

private:
    LedgerStore& store_;
    std::string pepper_;
};

}  // namespace claimgate::gateway
