#include <claimgate/gateway/roster_importer.hpp>

#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/roster_csv_reader.hpp>

#include <algorithm>
#include <cstring>
#include <deque>
#include <future>
#include <thread>
#include <tuple>

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

/// Parsed rows waiting to be written, chunk by chunk in file order. They stay where parsing
/// put them: sorting moves pointers, not ~200-byte rows.
struct RowBatch {
    std::vector<std::vector<RosterRow>> chunks;
    std::size_t rows = 0;
};

/// A row's place in the sort: its key's first eight bytes as a number (so that almost every
/// comparison is one integer compare on contiguous memory, not a memcmp through a pointer to a
/// row that is not in the cache) and where it sits in the file.
static_assert(kRosterImportBatchRows <= UINT32_MAX, "a SortSlot numbers a batch's rows in 32 bits");
struct SortSlot {
    std::uint64_t key_prefix;
    std::uint32_t chunk;
    std::uint32_t row;
};

std::uint64_t keyPrefix(const CitizenKey& key) {
    std::uint64_t prefix = 0;
    for (std::size_t i = 0; i < sizeof prefix; ++i) prefix = (prefix << 8) | key[i];
    return prefix;
}

/// The batch's rows by citizen key, each key once. Sorting by key turns the insert into one
/// ordered sweep of the B-tree; a set-based merge (PostgreSQL) must not see one key twice; and
/// when a citizen appears twice in the file the later line wins (ties sort in file order).
std::vector<const RosterRow*> sortedLastWins(const RowBatch& batch) {
    std::vector<SortSlot> slots;
    slots.reserve(batch.rows);
    for (std::uint32_t chunk = 0; chunk < batch.chunks.size(); ++chunk) {
        const auto& rows = batch.chunks[chunk];
        for (std::uint32_t row = 0; row < rows.size(); ++row) {
            slots.push_back({keyPrefix(rows[row].citizen_key), chunk, row});
        }
    }
    const auto rowAt = [&](const SortSlot& slot) -> const RosterRow& {
        return batch.chunks[slot.chunk][slot.row];
    };
    std::sort(slots.begin(), slots.end(), [&](const SortSlot& a, const SortSlot& b) {
        if (a.key_prefix != b.key_prefix) return a.key_prefix < b.key_prefix;
        const int order = std::memcmp(rowAt(a).citizen_key.data(), rowAt(b).citizen_key.data(),
                                      sizeof(CitizenKey));
        if (order != 0) return order < 0;
        return std::tie(a.chunk, a.row) < std::tie(b.chunk, b.row);
    });
    std::vector<const RosterRow*> order;
    order.reserve(slots.size());
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const RosterRow& row = rowAt(slots[i]);
        const bool superseded = i + 1 < slots.size() &&
                                slots[i + 1].key_prefix == slots[i].key_prefix &&
                                rowAt(slots[i + 1]).citizen_key == row.citizen_key;
        if (!superseded) order.push_back(&row);
    }
    return order;
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
        // ahead and the previous batch is sorted and written; results are taken in file order,
        // so when a citizen appears twice the later line wins (sortedLastWins).
        std::deque<std::future<ParsedChunk>> parsing;
        std::future<void> writing;
        RowBatch batch;
        auto writeBatch = [&] {
            // One write at a time: the transaction and the store are shared. The next batch is
            // read and parsed meanwhile.
            if (writing.valid()) writing.get();
            writing = std::async(std::launch::async, [this, rows = std::move(batch)] {
                const std::vector<const RosterRow*> order = sortedLastWins(rows);
                store_.loadRosterRows(order);
            });
            batch = RowBatch{};
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
            batch.rows += parsed.rows.size();
            batch.chunks.push_back(std::move(parsed.rows));
            if (batch.rows >= kRosterImportBatchRows) writeBatch();
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
        if (batch.rows != 0) writeBatch();
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
