// File: roster_importer.hpp
// `claimgate-gateway roster import`: reads a roster CSV (contracts §11) through the shared
// codec, validates and keys every row on all cores (no plaintext reaches the ledger file),
// sorts by citizen key and bulk-loads in one transaction under one new roster version, so
// running nodes apply the whole import at once (or none of it). With `replace`, every citizen
// of the program absent from the file is marked removed under the same version: they can no
// longer start a claim; their claims stay as they are.
//
// Bad lines are reported by number and counted against kRosterBadLinesMax; beyond it nothing
// is imported. With `replace` a single bad line refuses the import (a typo must not remove
// someone from the roster).
#pragma once

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/citizen_keys.hpp>
#include <claimgate/protocols/roster_csv.hpp>
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
    std::string_view nhi_card_no;                       // empty = none
    std::int64_t amount = 0;                            // 0 = the program's amount
    const std::vector<std::string>* proxies = nullptr;  // normalised IDs, may be null
    std::optional<protocols::ClaimBy> claim_by;         // empty: self without proxies, else either
    std::optional<std::string> excluded;
    std::int64_t version = 0;  // the roster version writing the row
};

/// The one rule for turning a roster entry into a stored row, shared by `roster import` and
/// `claimgate-recon pull`: IDs and the NHI number become keys through CitizenKeys - the same
/// keys the claim service computes per request.
[[nodiscard]] RosterRow buildRosterRow(const protocols::CitizenKeys& keys,
                                       const RosterEntryFields& fields);
/// The same for a row of a roster CSV file.
[[nodiscard]] RosterRow buildRosterRow(const protocols::CitizenKeys& keys, std::string_view program,
                                       const protocols::RosterCsvRow& csv_row,
                                       std::int64_t version);

struct RosterImportOptions {
    bool replace = false;  // the program's roster becomes exactly the file
    unsigned threads = 0;  // parsing and keying threads; 0 = one per core
};

struct RosterImportSummary {
    std::uint64_t rows_imported = 0;
    std::uint64_t lines_rejected = 0;
    std::uint64_t rows_removed = 0;     // --replace: citizens no longer on the roster
    std::int64_t version = 0;           // the roster version of this import (0: nothing written)
    std::vector<std::string> problems;  // "line 17: citizen_id: ...", at most 20
};

class RosterImporter {
public:
    using Progress = std::function<void(std::uint64_t rows, std::uint64_t bytes_read,
                                        std::uint64_t bytes_total)>;

    RosterImporter(LedgerStore& store, std::string pepper)
        : store_(store), keys_(std::move(pepper)) {}

    /// `now_millis` is recorded with the roster version.
    protocols::Result<RosterImportSummary> importFile(const std::string& program_id,
                                                      const std::string& csv_path,
                                                      const RosterImportOptions& options,
                                                      std::int64_t now_millis,
                                                      const Progress& progress);

private:
    LedgerStore& store_;
    protocols::CitizenKeys keys_;
};

}  // namespace claimgate::gateway
