#include <claimgate/gateway/roster_importer.hpp>

#include <claimgate/gateway/huge_page_allocator.hpp>
#include <claimgate/gateway/limits.hpp>
#include <claimgate/ledger/roster_row_source.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/roster_csv_reader.hpp>

#include <algorithm>
#include <array>
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

/// A row as the importer holds it between parsing and writing: 80 bytes where a RosterRow is
/// 200, so that a national roster (23 million rows, ~1.8 GiB) is sorted and written in one
/// sweep. The program and the version are the import's; proxies and exclusions are rare and
/// live beside the chunk's rows.
struct ImportRow {
    CitizenKey citizen_key{};
    CitizenKey nhi_hash{};  // meaningful when has_nhi_hash
    std::int64_t amount = 0;
    std::uint32_t rare_fields = 0;  // 1 + index into ParsedChunk::rare_fields; 0: none
    protocols::ClaimBy claim_by = protocols::ClaimBy::self;
    bool has_nhi_hash = false;
};
static_assert(sizeof(ImportRow) == 80);

struct RareFields {
    std::vector<CitizenKey> proxies;
    std::optional<std::string> excluded;
};

/// A chunk's rows on 2 MiB pages: a national import parses gigabytes of rows, and with 4 KiB
/// pages the parsers spent a good part of their time in page faults, and the writer (which
/// reads the rows in key order, not file order) in TLB misses.
using ChunkRows = std::vector<ImportRow, HugePageAllocator<ImportRow>>;
static_assert(kRosterImportChunkLines * sizeof(ImportRow) <= kHugePageBytes,
              "a chunk's rows fill one huge page, not a second one barely");

struct ParsedChunk {
    ChunkRows rows;
    std::vector<RareFields> rare_fields;
    std::uint64_t rejected = 0;
    std::vector<std::string> problems;  // at most kProblemsKeptMax
};

/// Keeps `row` in the chunk's compact form. The row comes from buildRosterRow, the one rule
/// for turning a roster entry into a stored row.
void keepRow(RosterRow&& row, ParsedChunk& parsed) {
    ImportRow& kept = parsed.rows.emplace_back();
    kept.citizen_key = row.citizen_key;
    if (row.nhi_hash) {
        kept.nhi_hash = *row.nhi_hash;
        kept.has_nhi_hash = true;
    }
    kept.amount = row.amount;
    kept.claim_by = row.claim_by;
    if (!row.proxies.empty() || row.excluded) {
        parsed.rare_fields.push_back({std::move(row.proxies), std::move(row.excluded)});
        kept.rare_fields = static_cast<std::uint32_t>(parsed.rare_fields.size());
    }
}

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
        keepRow(buildRosterRow(keys, program, csv_row, version), parsed);
    }
    return parsed;
}

/// Parsed rows waiting to be written, chunk by chunk in file order. They stay where parsing
/// put them: sorting moves 16-byte slots, not rows.
struct RowBatch {
    std::vector<ParsedChunk> chunks;
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

/// A batch's rows in citizen-key order, each key once, built into a RosterRow one at a time as
/// the store reads them. Sorting by key turns the insert into one ordered sweep of the B-tree;
/// a set-based merge (PostgreSQL) must not see one key twice; and when a citizen appears twice
/// in the file the later line wins (ties sort in file order).
///
/// The keys are HMACs, spread evenly, so the rows are first dealt into buckets by their key's
/// leading bits (two threads, one pass, in file order) and each bucket, a few hundred rows, is
/// sorted only when the store reaches it. The store's first row then comes at once instead of
/// after a sort of the whole batch (at national size 3.7 s in which the database had nothing to
/// do), and the sorting runs on the writer's thread while the database engine works.
class SortedBatchRows final : public RosterRowSource {
public:
    SortedBatchRows(const RowBatch& batch, const std::string& program, std::int64_t version)
        : batch_(batch) {
        row_.program = program;
        row_.version = version;
        dealIntoBuckets();
    }

    const RosterRow* next() override {
        // The rows lie in file order and are read in key order: each would be a cache miss.
        constexpr std::size_t kPrefetchAhead = 16;
        for (; at_ < slots_.size(); ++at_) {
            if (at_ == sorted_end_) sortNextBucket();
            if (at_ + kPrefetchAhead < sorted_end_) {
                const ImportRow& ahead = rowAt(slots_[at_ + kPrefetchAhead]);
                __builtin_prefetch(&ahead);
                __builtin_prefetch(&ahead.amount);
            }
            const ImportRow& row = rowAt(slots_[at_]);
            // One key twice lies in one bucket, so slots_[at_ + 1] is sorted when it matters.
            const bool superseded = at_ + 1 < slots_.size() &&
                                    slots_[at_ + 1].key_prefix == slots_[at_].key_prefix &&
                                    rowAt(slots_[at_ + 1]).citizen_key == row.citizen_key;
            if (superseded) continue;
            CG_ASSERT(!returned_any_ || row_.citizen_key < row.citizen_key,
                      "the store gets each citizen once, in ascending key order");
            returned_any_ = true;
            fill(row, batch_.chunks[slots_[at_].chunk]);
            ++at_;
            return &row_;
        }
        return nullptr;
    }

private:
    const ImportRow& rowAt(const SortSlot& slot) const {
        return batch_.chunks[slot.chunk].rows[slot.row];
    }

    bool before(const SortSlot& a, const SortSlot& b) const {
        if (a.key_prefix != b.key_prefix) return a.key_prefix < b.key_prefix;
        const int order = std::memcmp(rowAt(a).citizen_key.data(), rowAt(b).citizen_key.data(),
                                      sizeof(CitizenKey));
        if (order != 0) return order < 0;
        return std::tie(a.chunk, a.row) < std::tie(b.chunk, b.row);
    }

    /// A counting sort on the key's leading bits: about 256 rows a bucket, at most 2^16
    /// buckets. The first half of the chunks and the second are dealt by two threads; within a
    /// bucket the first half's rows come first, so each bucket holds its rows in file order.
    void dealIntoBuckets() {
        unsigned bits = 0;
        while (bits < kBucketBitsMax && (std::size_t{256} << bits) < batch_.rows) ++bits;
        bucket_shift_ = 64 - bits;
        const std::size_t buckets = std::size_t{1} << bits;
        const auto chunks = static_cast<std::uint32_t>(batch_.chunks.size());
        const std::uint32_t half = chunks / 2;
        // Per half: first the rows per bucket, then the half's next free slot in each bucket.
        std::array<std::vector<std::size_t>, 2> per_half{std::vector<std::size_t>(buckets),
                                                         std::vector<std::size_t>(buckets)};
        auto onBothHalves = [&](auto work) {
            auto first = std::async(std::launch::async, [&] { work(0, half, per_half[0]); });
            work(half, chunks, per_half[1]);
            first.get();
        };
        auto count = [this](std::uint32_t from, std::uint32_t to,
                            std::vector<std::size_t>& counts) {
            for (std::uint32_t chunk = from; chunk < to; ++chunk) {
                for (const ImportRow& row : batch_.chunks[chunk].rows) {
                    ++counts[bucketOf(keyPrefix(row.citizen_key))];
                }
            }
        };
        onBothHalves(count);
        // bucket_ends_[b]: where bucket b ends.
        bucket_ends_.resize(buckets);
        std::size_t end = 0;
        for (std::size_t bucket = 0; bucket < buckets; ++bucket) {
            const std::size_t first = per_half[0][bucket];
            const std::size_t second = per_half[1][bucket];
            per_half[0][bucket] = end;
            per_half[1][bucket] = end + first;
            end += first + second;
            bucket_ends_[bucket] = end;
        }
        CG_ASSERT(end == batch_.rows, "every parsed row has exactly one slot in the sort");
        slots_.resize(batch_.rows);
        auto deal = [this](std::uint32_t from, std::uint32_t to, std::vector<std::size_t>& next) {
            for (std::uint32_t chunk = from; chunk < to; ++chunk) {
                const auto& rows = batch_.chunks[chunk].rows;
                for (std::uint32_t row = 0; row < rows.size(); ++row) {
                    const std::uint64_t prefix = keyPrefix(rows[row].citizen_key);
                    slots_[next[bucketOf(prefix)]++] = {prefix, chunk, row};
                }
            }
        };
        onBothHalves(deal);
    }

    std::size_t bucketOf(std::uint64_t key_prefix) const {
        return bucket_shift_ == 64 ? 0 : static_cast<std::size_t>(key_prefix >> bucket_shift_);
    }

    void sortNextBucket() {
        const std::size_t bucket = bucketOf(slots_[at_].key_prefix);
        sorted_end_ = bucket_ends_[bucket];
        const auto from = slots_.begin() + static_cast<std::ptrdiff_t>(at_);
        const auto to = slots_.begin() + static_cast<std::ptrdiff_t>(sorted_end_);
        std::sort(from, to, [this](const SortSlot& a, const SortSlot& b) { return before(a, b); });
    }

    void fill(const ImportRow& row, const ParsedChunk& chunk) {
        row_.citizen_key = row.citizen_key;
        if (row.has_nhi_hash) {
            row_.nhi_hash = row.nhi_hash;
        } else {
            row_.nhi_hash.reset();
        }
        row_.amount = row.amount;
        row_.claim_by = row.claim_by;
        if (row.rare_fields == 0) {
            row_.proxies.clear();
            row_.excluded.reset();
        } else {
            const RareFields& rare = chunk.rare_fields[row.rare_fields - 1];
            row_.proxies = rare.proxies;
            row_.excluded = rare.excluded;
        }
    }

    static constexpr unsigned kBucketBitsMax = 16;

    const RowBatch& batch_;
    std::vector<SortSlot, HugePageAllocator<SortSlot>> slots_;  // by bucket; sorted to sorted_end_
    std::vector<std::size_t> bucket_ends_;
    unsigned bucket_shift_ = 64;
    std::size_t sorted_end_ = 0;
    std::size_t at_ = 0;
    bool returned_any_ = false;
    RosterRow row_;  // the row last returned, rebuilt in place
};

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
    store_.beginBulkRoster();
    try {
        summary.version = store_.newRosterVersion(
            program_id, options.replace ? "import --replace" : "import", now_millis);
        // Parsing and keying run on `threads` workers, chunk by chunk, while this thread reads
        // ahead and the previous batch is sorted and written; results are taken in file order,
        // so when a citizen appears twice the later line wins (SortedBatchRows).
        std::deque<std::future<ParsedChunk>> parsing;
        std::future<void> writing;
        RowBatch batch;
        auto writeBatch = [&] {
            // One write at a time: the transaction and the store are shared. The next batch is
            // read and parsed meanwhile.
            if (writing.valid()) writing.get();
            writing = std::async(std::launch::async, [this, &program_id, version = summary.version,
                                                      rows = std::move(batch)] {
                SortedBatchRows sorted(rows, program_id, version);
                store_.loadRosterRows(sorted);
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
            parsed.problems.clear();
            batch.chunks.push_back(std::move(parsed));
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
