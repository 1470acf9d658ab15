#include <claimgate/gateway/roster_importer.hpp>

#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/roster_csv_reader.hpp>

#include <algorithm>
#include <deque>
#include <future>
#include <thread>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr std::size_t kProblemsKeptMax = 20;

/// Data lines read but not yet parsed, with their numbers (for error messages).
struct LineChunk {
    std::string text;
    std::vector<std::size_t> ends;  // end offset of each line in text
    std::vector<std::uint64_t> numbers;
};

struct ParsedChunk {
    std::vector<RosterRow> rows;
    std::uint64_t rejected = 0;
    std::vector<std::string> problems;  // at most kProblemsKeptMax
};

ParsedChunk parseChunk(const LineChunk& chunk, protocols::RosterCsvColumns columns,
                       const protocols::CitizenKeys& keys, const std::string& program,
                       std::int64_t version) {
    ParsedChunk parsed;
    parsed.rows.reserve(chunk.ends.size());
    protocols::RosterCsvRow csv_row;
    std::size_t start = 0;
    for (std::size_t i = 0; i < chunk.ends.size(); ++i) {
        const std::string_view line(chunk.text.data() + start, chunk.ends[i] - start);
        start = chunk.ends[i];
        if (auto status = protocols::RosterCsv::parseRow(line, columns, csv_row); !status.ok()) {
            ++parsed.rejected;
            if (parsed.problems.size() < kProblemsKeptMax) {
                parsed.problems.push_back("line " + std::to_string(chunk.numbers[i]) + ": " +
                                          status.message());
            }
            continue;
        }
        parsed.rows.push_back(buildRosterRow(keys, program, csv_row, version));
    }
    return parsed;
}

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
    row.version = fields.version;
    return row;
}

RosterRow buildRosterRow(const protocols::CitizenKeys& keys, std::string_view program,
                         const protocols::RosterCsvRow& csv_row, std::int64_t version) {
    RosterEntryFields fields;
    fields.program = program;
    fields.citizen_id = csv_row.citizen_id;
    fields.nhi_card_no = csv_row.nhi_card_no;
    fields.amount = csv_row.amount;
    fields.proxies = &csv_row.proxies;
    fields.claim_by = csv_row.effectiveClaimBy();
    fields.excluded = csv_row.exclusion();
    fields.version = version;
    return buildRosterRow(keys, fields);
}

protocols::Result<RosterImportSummary> RosterImporter::importFile(
    const std::string& program_id, const std::string& csv_path, const RosterImportOptions& options,
    std::int64_t now_millis, const Progress& progress) {
    bool program_known = false;
    for (const auto& program : store_.loadPrograms()) program_known |= program.id == program_id;
    if (!program_known) {
        return Status(ErrorCode::unknown_program,
                      "program " + program_id + " is not defined: run `program put` first");
    }
    auto opened = protocols::RosterCsvReader::open(csv_path);
    if (!opened) return opened.status();
    protocols::RosterCsvReader& reader = opened.value();
    const unsigned threads =
        options.threads != 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());

    RosterImportSummary summary;
    store_.beginRoster();
    try {
        summary.version = store_.newRosterVersion(
            program_id, options.replace ? "import --replace" : "import", now_millis);
        // Parsing and keying run on `threads` workers, chunk by chunk, while this thread reads
        // ahead and the previous batch is written; results are taken in file order, so when a
        // citizen appears twice the later line wins (the sort below is stable).
        std::deque<std::future<ParsedChunk>> parsing;
        std::future<void> writing;
        std::vector<RosterRow> batch;
        auto writeBatch = [&] {
            if (writing.valid()) writing.get();
            // Sorting by key turns the insert into one ordered sweep of the B-tree.
            std::stable_sort(batch.begin(), batch.end(),
                             [](const RosterRow& a, const RosterRow& b) {
                                 return a.citizen_key < b.citizen_key;
                             });
            // A citizen twice in the file: the later line wins (and a set-based merge must not
            // see one key twice).
            auto kept = batch.begin();
            for (auto row = batch.begin(); row != batch.end(); ++row) {
                const auto next = row + 1;
                if (next != batch.end() && next->citizen_key == row->citizen_key) continue;
                if (kept != row) *kept = std::move(*row);
                ++kept;
            }
            batch.erase(kept, batch.end());
            writing = std::async(std::launch::async,
                                 [this, rows = std::move(batch)] { store_.loadRosterRows(rows); });
            batch = {};
        };
        auto collect = [&] {
            ParsedChunk parsed = parsing.front().get();
            parsing.pop_front();
            summary.lines_rejected += parsed.rejected;
            for (auto& problem : parsed.problems) {
                if (summary.problems.size() < kProblemsKeptMax) {
                    summary.problems.push_back(std::move(problem));
                }
            }
            summary.rows_imported += parsed.rows.size();
            if (batch.empty()) {
                batch = std::move(parsed.rows);
            } else {
                batch.insert(batch.end(), std::make_move_iterator(parsed.rows.begin()),
                             std::make_move_iterator(parsed.rows.end()));
            }
            if (batch.size() >= kRosterImportBatchRows) writeBatch();
            if (progress) progress(summary.rows_imported, reader.bytesRead(), reader.bytesTotal());
        };
        auto fail = [&](Status status) -> protocols::Result<RosterImportSummary> {
            parsing.clear();  // waits for the workers
            if (writing.valid()) writing.wait();
            store_.rollback();
            return status;
        };

        LineChunk chunk;
        bool more = true;
        while (more) {
            std::string_view line;
            std::uint64_t line_number = 0;
            auto got = reader.nextLine(line, line_number);
            if (!got) return fail(got.status());
            more = *got;
            if (more) {
                chunk.text.append(line);
                chunk.ends.push_back(chunk.text.size());
                chunk.numbers.push_back(line_number);
            }
            if (chunk.ends.size() == kRosterImportChunkLines || (!more && !chunk.ends.empty())) {
                parsing.push_back(std::async(
                    std::launch::async, [this, &reader, &program_id, version = summary.version,
                                         work = std::move(chunk)] {
                        return parseChunk(work, reader.columns(), keys_, program_id, version);
                    }));
                chunk = LineChunk{};
                if (parsing.size() >= threads) collect();
            }
            if (summary.lines_rejected > kRosterBadLinesMax) {
                return fail(Status(
                    ErrorCode::bad_field,
                    "more than " + std::to_string(kRosterBadLinesMax) +
                        " bad lines; nothing imported (first: " + summary.problems.front() + ")"));
            }
        }
        while (!parsing.empty()) collect();
        if (summary.lines_rejected > kRosterBadLinesMax) {
            return fail(Status(
                ErrorCode::bad_field,
                "more than " + std::to_string(kRosterBadLinesMax) +
                    " bad lines; nothing imported (first: " + summary.problems.front() + ")"));
        }
        if (options.replace && summary.lines_rejected > 0) {
            return fail(Status(ErrorCode::bad_field,
                               "--replace refuses a file with bad lines (it would remove "
                               "their citizens); nothing imported (first: " +
                                   summary.problems.front() + ")"));
        }
        if (!batch.empty()) writeBatch();
        if (writing.valid()) writing.get();
        if (options.replace) {
            summary.rows_removed = static_cast<std::uint64_t>(
                store_.removeRosterRowsNotIn(program_id, summary.version));
        }
        store_.commit();
    } catch (const LedgerStoreError& error) {
        store_.rollback();
        return Status(ErrorCode::internal, error.what());
    }
    if (progress) progress(summary.rows_imported, reader.bytesTotal(), reader.bytesTotal());
    return summary;
}

}  // namespace claimgate::gateway
