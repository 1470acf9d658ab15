#include "service/roster_importer.hpp"

#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/roster_csv_reader.hpp>

#include <algorithm>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr std::size_t kProblemsKeptMax = 20;

}  // namespace

RosterRow buildRosterRow(const protocols::CitizenKeys& keys, const RosterEntryFields& fields) {
    RosterRow row;
    row.program = std::string(fields.program);
    row.citizen_key = keys.citizenKey(fields.citizen_id);
    if (!fields.nhi_card_no.empty()) row.nhi_hash = keys.nhiHash(fields.nhi_card_no);
    row.amount = fields.amount;
    if (fields.proxies != nullptr) {
        row.proxies.reserve(fields.proxies->size());
        for (const auto& proxy : *fields.proxies) row.proxies.push_back(keys.citizenKey(proxy));
    }
    row.claim_by = fields.claim_by.value_or(row.proxies.empty() ? protocols::ClaimBy::self
                                                                : protocols::ClaimBy::either);
    row.excluded = fields.excluded;
    return row;
}

RosterRow buildRosterRow(const protocols::CitizenKeys& keys, std::string_view program,
                         const protocols::RosterCsvRow& csv_row) {
    RosterEntryFields fields;
    fields.program = program;
    fields.citizen_id = csv_row.citizen_id;
    fields.nhi_card_no = csv_row.nhi_card_no;
    fields.amount = csv_row.amount;
    fields.proxies = &csv_row.proxies;
    fields.claim_by = csv_row.effectiveClaimBy();
    fields.excluded = csv_row.exclusion();
    return buildRosterRow(keys, fields);
}

protocols::Result<RosterImportSummary> RosterImporter::importFile(const std::string& program_id,
                                                                  const std::string& csv_path,
                                                                  const Progress& progress) {
    bool program_known = false;
    for (const auto& program : store_.loadPrograms()) program_known |= program.id == program_id;
    if (!program_known) {
        return Status(ErrorCode::unknown_program,
                      "program " + program_id + " is not defined: run `program put` first");
    }
    auto reader = protocols::RosterCsvReader::open(csv_path);
    if (!reader) return reader.status();

    RosterImportSummary summary;
    std::uint64_t in_batch = 0;
    // Rows are HMAC-keyed, i.e. random: inserting them in file order scatters every batch over
    // the whole B-tree. Sorting a batch by key first turns it into one ordered sweep, and large
    // batches mean each page is rewritten to the WAL far fewer times.
    std::vector<RosterRow> pending;
    pending.reserve(kRosterImportBatchRows);
    auto flush = [&] {
        std::sort(pending.begin(), pending.end(),
                  [](const RosterRow& a, const RosterRow& b) { return a.citizen_key < b.citizen_key; });
        for (const auto& row : pending) store_.upsertRosterRow(row);
        pending.clear();
    };
    protocols::RosterCsvRow csv_row;
    std::string_view line;
    std::uint64_t line_number = 0;
    store_.begin();
    try {
        for (;;) {
            auto more = reader.value().nextLine(line, line_number);
            if (!more) {
                store_.rollback();
                return more.status();
            }
            if (!*more) break;
            if (auto parsed = protocols::RosterCsv::parseRow(line, reader->columns(), csv_row);
                !parsed.ok()) {
                ++summary.lines_rejected;
                if (summary.problems.size() < kProblemsKeptMax) {
                    summary.problems.push_back("line " + std::to_string(line_number) + ": " +
                                               parsed.message());
                }
                if (summary.lines_rejected > kRosterBadLinesMax) {
                    store_.rollback();
                    return Status(ErrorCode::bad_field,
                                  "more than " + std::to_string(kRosterBadLinesMax) +
                                      " bad lines; import stopped (first: " +
                                      summary.problems.front() + ")");
                }
                continue;
            }
            pending.push_back(buildRosterRow(keys_, program_id, csv_row));
            ++summary.rows_imported;
            if (++in_batch >= kRosterImportBatchRows) {
                flush();
                store_.commit();
                store_.begin();
                in_batch = 0;
                if (progress) progress(summary.rows_imported, reader->bytesRead(),
                                       reader->bytesTotal());
            }
        }
        flush();
        store_.commit();
    } catch (const LedgerStoreError& error) {
        store_.rollback();
        return Status(ErrorCode::internal, error.what());
    }
    if (progress) progress(summary.rows_imported, reader->bytesTotal(), reader->bytesTotal());
    return summary;
}

}  // namespace claimgate::gateway
