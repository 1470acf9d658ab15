// File: roster_importer.hpp
// `claimgate-gateway roster import`: reads a roster CSV (DESIGN §11), validates every row,
// HMACs IDs, NHI numbers and proxies on arrival (no plaintext reaches the ledger file) and
// upserts in large transactions. Bad lines are reported by number and counted against
// kRosterBadLinesMax; beyond it the import stops and the current batch is rolled back.
#pragma once

#include <claimgate/gateway/ledger_store.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace claimgate::gateway {

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
