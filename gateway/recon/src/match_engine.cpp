#include <claimgate/recon/match_engine.hpp>

#include "line_refetcher.hpp"
#include "match_progress.hpp"
#include "match_tally.hpp"

#include <claimgate/protocols/domain.hpp>
#include <claimgate/recon/claim_classifier.hpp>
#include <claimgate/recon/csv_field_splitter.hpp>
#include <claimgate/recon/csv_file_reader.hpp>
#include <claimgate/recon/large_buffer.hpp>
#include <claimgate/recon/recon_csv_format.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <new>
#include <string_view>
#include <unistd.h>

namespace claimgate::recon {

using protocols::Channel;
using protocols::ClaimStatus;
using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

// Average ledger line for sizing the claim index up front (real lines are ~200 bytes; shorter
// lines only cost a rehash).
constexpr std::uint64_t kLedgerLineBytesEstimate = 160;
constexpr std::uint64_t kProgressEveryLines = 1U << 16;
constexpr unsigned kRefFileShift = 48;
constexpr std::uint64_t kRefOffsetMask = (std::uint64_t{1} << kRefFileShift) - 1;

std::string location(const std::string& file, std::uint64_t line) {
    return file + ":" + std::to_string(line);
}

/// "BANK004_2023-04-10.csv:17": for reasons, where the full path would drown the message
/// (the settlement_file column has it).
std::string shortLocation(const std::string& file, std::uint64_t line) {
    return file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(line);
}

}  // namespace

Result<std::vector<std::string>> expandSettlementPaths(const std::vector<std::string>& arguments) {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    for (const std::string& argument : arguments) {
        std::error_code error;
        if (fs::is_directory(argument, error)) {
            std::vector<std::string> found;
            for (const auto& entry : fs::directory_iterator(argument, error)) {
                if (entry.path().extension() == ".csv" && entry.is_regular_file(error)) {
                    found.push_back(entry.path().string());
                }
            }
            if (error) {
                return Status(ErrorCode::not_found,
                              argument + ": cannot list directory: " + error.message());
            }
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(argument, error)) {
            files.push_back(argument);
        } else {
            return Status(ErrorCode::not_found,
                          argument + ": no such settlement file or directory");
        }
        if (files.size() > kSettlementFilesMax) {
            return Status(ErrorCode::bad_field, "more than " + std::to_string(kSettlementFilesMax) +
                                                    " settlement files (kSettlementFilesMax)");
        }
    }
    return files;
}

/// Everything the engine keeps per ledger claim: 40 bytes, usually one cache line per lookup.
struct ClaimState {
    std::int32_t ledger_amount = 0;
    std::int32_t settle_amount = 0;  ///< amount of the primary settlement row
    std::uint32_t settle_count = 0;
    std::uint32_t settle_line = 0;  ///< line number of the primary row
    std::uint64_t settle_ref = 0;   ///< file << 48 | byte offset of the primary row
    std::uint8_t status = 0;
    std::uint8_t channel = 0;
    std::uint16_t operator_id = 0;
    std::uint32_t ledger_line = 0;
    std::uint64_t ledger_offset = 0;  ///< where classify() re-reads the line of an exception
};
static_assert(sizeof(ClaimState) == 40);

/// Rows looked up together so their cache misses overlap (see ClaimIndex).
constexpr std::size_t kLookupBatch = 32;

struct PendingClaim {
    std::array<char, kClaimIdLengthMax> id;
    std::size_t length = 0;
    std::uint64_t hash = 0;
    std::uint64_t line = 0;
    ClaimState state;
    [[nodiscard]] std::string_view claimId() const { return {id.data(), length}; }
};

struct PendingRow {
    std::array<char, kClaimIdLengthMax> id;
    std::size_t length = 0;
    std::uint64_t hash = 0;
    std::uint64_t line = 0;
    std::uint64_t offset = 0;
    std::int64_t amount = 0;
    std::uint64_t candidate = 0;
    std::uint32_t position = 0;
    [[nodiscard]] std::string_view claimId() const { return {id.data(), length}; }
};

struct MatchEngine::State {
    MatchOptions options;
    MatchSummary summary;
    std::unique_ptr<ClaimIndex> index;
    LargeBuffer state_buffer;
    std::size_t claims = 0;
    MatchTally tally;
    MatchProgress progress{false};
    CsvFieldSplitter splitter;
    /// Fields of a ledger line, by the header: kLedgerColumns, or an older export's.
    std::size_t ledger_columns = kLedgerColumns;
    LineRefetcher settlement_lines{summary.settlement_files};
    std::array<PendingClaim, kLookupBatch> pending_claims;
    std::size_t pending_claim_count = 0;
    std::array<PendingRow, kLookupBatch> pending_rows;
    std::size_t pending_row_count = 0;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    ClaimState* states() const { return static_cast<ClaimState*>(state_buffer.data()); }

    static ClaimFacts factsOf(const ClaimState& state) {
        ClaimFacts facts;
        facts.ledger_status = static_cast<ClaimStatus>(state.status);
        facts.ledger_amount = state.ledger_amount;
        facts.settlement_rows = state.settle_count;
        facts.settled_amount = state.settle_amount;
        return facts;
    }

    /// The settlement row at `ref` split into settlement_lines.fields(); false if unreadable.
    bool fetchRow(std::uint64_t ref) {
        return settlement_lines.fetch(ref >> kRefFileShift, ref & kRefOffsetMask,
                                      kSettlementColumns);
    }

    Status badLine(ExceptionSink& exceptions, const std::string& file, std::uint64_t line,
                   std::string reason, bool is_ledger) {
        ++summary.bad_line_count;
        if (summary.bad_lines.size() < kBadLinesReportedMax) {
            summary.bad_lines.push_back(BadLine{file, line, reason});
            if (options.warn) {
                options.warn(location(file, line) + ": " + reason);
            }
        }
        ExceptionRecord record;
        record.category = Category::malformed;
        record.reason = reason;
        if (is_ledger) {
            record.ledger_line = line;
        } else {
            record.settlement_file = file;
            record.settlement_line = line;
        }
        exceptions.add(record);
        ++summary.exception_count;
        if (summary.bad_line_count > options.max_bad_lines) {
            return Status(ErrorCode::bad_field,
                          "too many malformed lines (" + std::to_string(summary.bad_line_count) +
                              ", --max-bad-lines " + std::to_string(options.max_bad_lines) +
                              "); stopped at " + location(file, line) + "; fix the input",
                          {{"file", file}, {"line", line}});
        }
        return Status::okStatus();
    }

    /// What every input line goes through before its fields are read: the header (line 1),
    /// the length and line-number bounds, blank lines. True: split and read the line. False:
    /// skip it, or stop the run when `stop` is set to an error.
    bool admitLine(ExceptionSink& exceptions, const CsvLine& line, const std::string& path,
                   std::string_view header, bool is_ledger, Status& stop) {
        if (line.number == 1) {
            stop = checkCsvHeader(line.text, path, header);
            return false;
        }
        if (line.too_long) {
            stop = badLine(exceptions, path, line.number, "line longer than 4096 bytes", is_ledger);
            return false;
        }
        if (line.text.empty()) {
            return false;
        }
        if (line.number > 0xFFFF'FFFFU) {
            stop = Status(ErrorCode::bad_field, path + ": more than 4294967295 lines");
            return false;
        }
        return true;
    }

    /// Inserts the pending ledger claims (their slots were prefetched when they were parsed).
    Status flushClaims(ExceptionSink& exceptions) {
        for (std::size_t i = 0; i < pending_claim_count; ++i) {
            const PendingClaim& claim = pending_claims[i];
            const auto inserted = index->insert(claim.claimId(), claim.hash);
            if (!inserted.second) {
                if (Status s = badLine(exceptions, options.ledger_path, claim.line,
                                       "claim_id appears more than once in the ledger", true);
                    !s.ok()) {
                    return s;
                }
                continue;
            }
            if ((claims + 1) * sizeof(ClaimState) > state_buffer.capacity()) {
                state_buffer.reserve(
                    std::max<std::size_t>(state_buffer.capacity() * 2, sizeof(ClaimState) * 1024));
            }
            states()[claims++] = claim.state;
        }
        pending_claim_count = 0;
        return Status::okStatus();
    }

    Status readLedger(ExceptionSink& exceptions) {
        const std::string& path = options.ledger_path;
        auto opened = CsvFileReader::open(path);
        if (!opened.ok()) {
            return opened.status();
        }
        CsvFileReader& reader = *opened.value();
        const std::uint64_t estimate = std::min<std::uint64_t>(
            reader.sizeBytes() / kLedgerLineBytesEstimate + 16, kLedgerClaimsMax);
        index = std::make_unique<ClaimIndex>(static_cast<std::size_t>(estimate));
        state_buffer.reserve(static_cast<std::size_t>(estimate) * sizeof(ClaimState));

        CsvLine line;
        Status stop;  // set by admitLine() when the run must stop
        while (reader.next(line)) {
            if (line.number % kProgressEveryLines == 0) {
                progress.reading("ledger", reader.bytesDone(), claims);
            }
            if (line.number == 1 && normaliseHeader(line.text) == kLedgerCsvHeaderWithoutDispense) {
                ledger_columns = kLedgerColumnsWithoutDispense;  // an export of older releases
                continue;
            }
            if (!admitLine(exceptions, line, path, kLedgerCsvHeader, true, stop)) {
                if (!stop.ok()) {
                    return stop;
                }
                continue;
            }
            const std::size_t count = splitter.split(line.text);
            const char* reason =
                count == 0 ? nullptr : ledgerLineProblem(splitter, count, ledger_columns);
            std::int64_t amount = 0;
            std::optional<Channel> parsed_channel;
            std::optional<ClaimStatus> parsed_status;
            std::optional<std::uint16_t> op;
            if (count == 0) {
                reason = splitter.error().data();
            } else if (reason == nullptr) {
                parsed_channel = protocols::parseChannel(splitter.field(kLedgerChannel));
                parsed_status = protocols::parseClaimStatus(splitter.field(kLedgerStatus));
                if (!parsed_channel) {
                    reason =
                        "channel is not one of atm, kiosk, counter, direct_deposit, "
                        "registered_deposit, registry";
                } else if (!parsed_status || *parsed_status == ClaimStatus::none) {
                    reason = "status is not one of held, in_doubt, paid, voided";
                } else if (!parseAmount(splitter.field(kLedgerAmount), amount)) {
                    reason = "amount is not a whole number of TWD from 0 to 1000000000";
                } else if (claims + pending_claim_count >= kLedgerClaimsMax) {
                    return Status(ErrorCode::bad_field, path + ": more than " +
                                                            std::to_string(kLedgerClaimsMax) +
                                                            " claims (kLedgerClaimsMax)");
                } else if (op = tally.internOperator(splitter.field(kLedgerOperator)); !op) {
                    reason = "more than 1024 distinct operators (kOperatorsMax)";
                }
            }
            if (reason != nullptr) {
                if (Status s = badLine(exceptions, path, line.number, reason, true); !s.ok()) {
                    return s;
                }
                continue;
            }
            if (*parsed_status == ClaimStatus::paid) {
                tally.addLedgerPaid(*op, amount);
            }
            tally.noteProgram(splitter.field(kLedgerProgram));
            tally.noteBusinessTime(
                ledgerBusinessTime(splitter, ledger_columns, *parsed_status).time);
            PendingClaim& claim = pending_claims[pending_claim_count++];
            const std::string_view claim_id = splitter.field(kLedgerClaimId);
            std::memcpy(claim.id.data(), claim_id.data(), claim_id.size());
            claim.length = claim_id.size();
            claim.hash = ClaimIndex::hash(claim_id);
            claim.line = line.number;
            claim.state = ClaimState{};
            claim.state.ledger_amount = static_cast<std::int32_t>(amount);
            claim.state.status = static_cast<std::uint8_t>(*parsed_status);
            claim.state.channel = static_cast<std::uint8_t>(*parsed_channel);
            claim.state.operator_id = *op;
            claim.state.ledger_line = static_cast<std::uint32_t>(line.number);
            claim.state.ledger_offset = line.offset;
            index->prefetch(claim.hash);
            if (pending_claim_count == kLookupBatch) {
                if (Status s = flushClaims(exceptions); !s.ok()) {
                    return s;
                }
            }
        }
        if (!reader.status().ok()) {
            return reader.status();
        }
        if (Status s = flushClaims(exceptions); !s.ok()) {
            return s;
        }
        if (reader.sizeBytes() == 0 && options.warn) {
            options.warn(path + ": empty ledger file (no header, no claims)");
        }
        summary.ledger_records = claims;
        progress.fileDone(reader.sizeBytes());
        return Status::okStatus();
    }

    /// Fills the ledger-side columns known without the ledger text.
    void fillLedgerSide(ExceptionRecord& record, const ClaimState& state) const {
        record.channel = protocols::channelName(static_cast<Channel>(state.channel));
        record.operator_name = tally.operatorName(state.operator_id);
        record.ledger_status = protocols::claimStatusName(static_cast<ClaimStatus>(state.status));
        record.ledger_amount = state.ledger_amount;
    }

    /// Fills the settlement-side columns from the fields currently in `fields`.
    static void fillSettlementSide(ExceptionRecord& record, const CsvFieldSplitter& fields,
                                   std::string_view file, std::uint64_t line, std::int64_t amount) {
        record.settlement_file = file;
        record.settlement_line = line;
        record.settlement_operator = fields.field(kSettlementOperator);
        record.settlement_terminal_id = fields.field(kSettlementTerminalId);
        record.settlement_terminal_ref = fields.field(kSettlementTerminalRef);
        record.settlement_amount = amount;
        record.settlement_paid_at = fields.field(kSettlementPaidAt);
    }

    /// A row whose claim id the ledger does not know: judged alone (missing_in_ledger).
    Status unknownClaimRow(ExceptionSink& exceptions, const PendingRow& row,
                           std::size_t file_index) {
        const std::string& path = summary.settlement_files[file_index];
        ClaimFacts facts;
        facts.settlement_rows = 1;
        facts.settled_amount = row.amount;
        const ClaimVerdict verdict = classifyClaim(facts, ClassifyPolicy{});
        ExceptionRecord record;
        record.category = verdict.category;
        record.claim_id = row.claimId();
        record.reason = verdict.reason;
        std::optional<std::uint16_t> op;
        if (settlement_lines.fetch(file_index, row.offset, kSettlementColumns)) {
            const CsvFieldSplitter& fields = settlement_lines.fields();
            op = tally.internOperator(fields.field(kSettlementOperator));
            record.operator_name = fields.field(kSettlementOperator);
            fillSettlementSide(record, fields, path, row.line, row.amount);
        }
        if (!op) {
            --summary.settlement_records;
            return badLine(exceptions, path, row.line,
                           "more than 1024 distinct operators (kOperatorsMax)", false);
        }
        tally.add(verdict.category, MatchTally::kUnknownChannel, *op, verdict.tally_amount);
        exceptions.add(record);
        ++summary.exception_count;
        return Status::okStatus();
    }

    /// A row beyond the first for a known claim: either it or the current primary row becomes
    /// duplicate_in_settlement (preferAsPrimary()).
    void extraRow(ExceptionSink& exceptions, ClaimState& state, const PendingRow& row,
                  std::size_t file_index, std::string& reason_text) {
        const std::string& path = summary.settlement_files[file_index];
        const std::uint64_t ref = (std::uint64_t{file_index} << kRefFileShift) | row.offset;
        const bool promote = preferAsPrimary(factsOf(state), row.amount);
        if (state.settle_count < 0xFFFF'FFFFU) {
            ++state.settle_count;
        }
        ExceptionRecord record;
        record.category = Category::duplicate_in_settlement;
        record.claim_id = row.claimId();
        fillLedgerSide(record, state);
        std::int64_t duplicate_amount = row.amount;
        if (promote) {
            // This row carries the ledger's amount: it becomes the primary row and the
            // earlier one (other amount) is the duplicate.
            const std::uint64_t old_ref = state.settle_ref;
            const std::uint32_t old_line = state.settle_line;
            duplicate_amount = state.settle_amount;
            state.settle_amount = static_cast<std::int32_t>(row.amount);
            state.settle_ref = ref;
            state.settle_line = static_cast<std::uint32_t>(row.line);
            reason_text = "settlement row beyond the first for this claim; the row at " +
                          shortLocation(path, row.line) + " carries the ledger's amount";
            if (fetchRow(old_ref)) {
                fillSettlementSide(record, settlement_lines.fields(),
                                   summary.settlement_files[old_ref >> kRefFileShift], old_line,
                                   duplicate_amount);
            }
        } else {
            reason_text = "settlement row beyond the first for this claim (first at " +
                          shortLocation(summary.settlement_files[state.settle_ref >> kRefFileShift],
                                        state.settle_line) +
                          ")";
            if (fetchRow(ref)) {
                fillSettlementSide(record, settlement_lines.fields(), path, row.line, row.amount);
            }
        }
        record.reason = reason_text;
        tally.add(Category::duplicate_in_settlement, state.channel, state.operator_id,
                  duplicate_amount);
        exceptions.add(record);
        ++summary.exception_count;
    }

    /// Looks up and applies the pending settlement rows of file `file_index`, in line order.
    Status flushRows(ExceptionSink& exceptions, std::size_t file_index) {
        const std::size_t count = pending_row_count;
        pending_row_count = 0;
        for (std::size_t i = 0; i < count; ++i) {
            PendingRow& row = pending_rows[i];
            row.candidate = index->candidate(row.hash);
            index->prefetchRecord(row.candidate);
        }
        for (std::size_t i = 0; i < count; ++i) {
            PendingRow& row = pending_rows[i];
            row.position = index->confirm(row.candidate, row.claimId(), row.hash);
            if (row.position != ClaimIndex::kNotFound) {
                __builtin_prefetch(states() + row.position, 1);
            }
        }
        std::string reason_text;
        for (std::size_t i = 0; i < count; ++i) {
            const PendingRow& row = pending_rows[i];
            if (row.position == ClaimIndex::kNotFound) {
                if (Status s = unknownClaimRow(exceptions, row, file_index); !s.ok()) {
                    return s;
                }
                continue;
            }
            ClaimState& state = states()[row.position];
            if (state.settle_count == 0) {
                state.settle_count = 1;
                state.settle_amount = static_cast<std::int32_t>(row.amount);
                state.settle_ref = (std::uint64_t{file_index} << kRefFileShift) | row.offset;
                state.settle_line = static_cast<std::uint32_t>(row.line);
                continue;
            }
            extraRow(exceptions, state, row, file_index, reason_text);
        }
        return Status::okStatus();
    }

    Status readSettlementFile(ExceptionSink& exceptions, std::size_t file_index) {
        const std::string& path = summary.settlement_files[file_index];
        auto opened = CsvFileReader::open(path);
        if (!opened.ok()) {
            return opened.status();
        }
        CsvFileReader& reader = *opened.value();
        CsvLine line;
        Status stop;  // set by admitLine() when the run must stop
        while (reader.next(line)) {
            if (line.number % kProgressEveryLines == 0) {
                progress.reading("settlement", reader.bytesDone(), summary.settlement_records);
            }
            if (!admitLine(exceptions, line, path, kSettlementCsvHeader, false, stop)) {
                if (!stop.ok()) {
                    return stop;
                }
                continue;
            }
            const std::size_t count = splitter.split(line.text);
            std::int64_t amount = 0;
            const char* reason = count == 0 ? splitter.error().data()
                                            : settlementLineProblem(splitter, count, amount);
            if (reason != nullptr) {
                if (Status s = badLine(exceptions, path, line.number, reason, false); !s.ok()) {
                    return s;
                }
                continue;
            }
            ++summary.settlement_records;
            tally.noteSettlementTime(splitter.field(kSettlementPaidAt));
            PendingRow& row = pending_rows[pending_row_count++];
            const std::string_view claim_id = splitter.field(kSettlementClaimId);
            std::memcpy(row.id.data(), claim_id.data(), claim_id.size());
            row.length = claim_id.size();
            row.hash = ClaimIndex::hash(claim_id);
            row.line = line.number;
            row.offset = line.offset;
            row.amount = amount;
            index->prefetch(row.hash);
            if (pending_row_count == kLookupBatch) {
                if (Status s = flushRows(exceptions, file_index); !s.ok()) {
                    return s;
                }
            }
        }
        if (!reader.status().ok()) {
            return reader.status();
        }
        if (Status s = flushRows(exceptions, file_index); !s.ok()) {
            return s;
        }
        if (reader.sizeBytes() == 0 && options.warn) {
            options.warn(path + ": empty settlement file (no header, no rows)");
        }
        progress.fileDone(reader.sizeBytes());
        return Status::okStatus();
    }

    Status flush(std::vector<Resolution>& batch, ResolutionSink& sink) {
        if (batch.empty()) {
            return Status::okStatus();
        }
        Status applied = sink.apply(batch);
        batch.clear();
        return applied;
    }

    Status classifyAll(ExceptionSink& exceptions, ResolutionSink& resolutions);
    void finishSummary();
};

Status MatchEngine::State::classifyAll(ExceptionSink& exceptions, ResolutionSink& resolutions) {
    const std::string& path = options.ledger_path;
    // Only exceptions need their ledger line again (a few percent): read those one by one.
    const int ledger_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ledger_fd < 0) {
        return Status(ErrorCode::not_found, path + ": cannot open: " + std::strerror(errno));
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{ledger_fd};
    const ClassifyPolicy policy{options.closed_before_millis};
    std::vector<Resolution> batch;
    batch.reserve(kResolutionBatchMax);
    std::string ledger_text;
    for (std::size_t p = 0; p < claims; ++p) {
        if (p % kProgressEveryLines == 0) {
            progress.classifying(p, claims);
        }
        const ClaimState& state = states()[p];
        ClaimFacts facts = factsOf(state);
        const Category category = claimCategory(facts);
        if (!isException(category)) {
            tally.add(category, state.channel, state.operator_id,
                      facts.settlement_rows > 0 ? facts.settled_amount : facts.ledger_amount);
            continue;
        }
        // An exception: its ledger line is read and split only now.
        if (!LineRefetcher::readLine(ledger_fd, state.ledger_offset, ledger_text) ||
            splitter.split(ledger_text) != ledger_columns ||
            splitter.field(kLedgerClaimId).size() > kClaimIdLengthMax) {
            return Status(ErrorCode::internal,
                          location(path, state.ledger_line) + ": ledger changed while matching");
        }
        facts.held_at = splitter.field(kLedgerHeldAt);
        std::string expected_file;
        if (category == Category::missing_in_settlement) {
            const LedgerBusinessTime business =
                ledgerBusinessTime(splitter, ledger_columns, ClaimStatus::paid);
            facts.business_time = business.time;
            facts.business_time_dispensed = business.dispensed;
            expected_file = std::string(splitter.field(kLedgerOperator)) + "_" +
                            std::string(business.time.substr(0, 10)) + ".csv";  // YYYY-MM-DD
            if (options.missing_settlement_files.contains(expected_file)) {
                facts.missing_settlement_file = expected_file;
            }
        }
        ClaimVerdict verdict = classifyClaim(facts, policy);
        tally.add(verdict.category, state.channel, state.operator_id, verdict.tally_amount);
        ExceptionRecord record;
        record.category = verdict.category;
        record.claim_id = splitter.field(kLedgerClaimId);
        record.ledger_line = state.ledger_line;
        record.program = splitter.field(kLedgerProgram);
        record.terminal_id = splitter.field(kLedgerTerminalId);
        record.terminal_ref = splitter.field(kLedgerTerminalRef);
        record.held_at = splitter.field(kLedgerHeldAt);
        record.ledger_paid_at = splitter.field(kLedgerPaidAt);
        record.reason = verdict.reason;
        if (verdict.difference != 0) {
            record.difference = verdict.difference;
        }
        fillLedgerSide(record, state);
        std::string settlement_file;
        if (state.settle_count > 0 && fetchRow(state.settle_ref)) {
            settlement_file = summary.settlement_files[state.settle_ref >> kRefFileShift];
            fillSettlementSide(record, settlement_lines.fields(), settlement_file,
                               state.settle_line, state.settle_amount);
        }
        std::optional<Resolution> resolution;
        if (verdict.resolution == ResolutionOutcome::paid && record.settlement_line != 0) {
            resolution = Resolution{};
            resolution->outcome = ResolutionOutcome::paid;
            resolution->reason = "settlement " + shortLocation(settlement_file, state.settle_line) +
                                 " shows the payment";
            resolution->settlement_file = settlement_file;
            resolution->settlement_line = state.settle_line;
            resolution->operator_name = std::string(record.settlement_operator);
            resolution->terminal_id = std::string(record.settlement_terminal_id);
            resolution->terminal_ref = std::string(record.settlement_terminal_ref);
            resolution->amount = state.settle_amount;
            resolution->paid_at = std::string(record.settlement_paid_at);
        } else if (verdict.resolution == ResolutionOutcome::voided) {
            resolution = Resolution{};
            resolution->outcome = ResolutionOutcome::voided;
            resolution->reason = std::string(kVoidedResolutionReason);
        }
        exceptions.add(record);
        ++summary.exception_count;
        if (resolution) {
            resolution->claim_id = std::string(record.claim_id);
            if (resolution->outcome == ResolutionOutcome::paid) {
                ++summary.resolutions_paid;
            } else {
                ++summary.resolutions_voided;
            }
            batch.push_back(std::move(*resolution));
            if (batch.size() == kResolutionBatchMax) {
                if (Status s = flush(batch, resolutions); !s.ok()) {
                    return s;
                }
            }
        }
    }
    if (Status s = flush(batch, resolutions); !s.ok()) {
        return s;
    }
    return resolutions.finish();
}

void MatchEngine::State::finishSummary() {
    tally.fold(summary);
    summary.bad_line_limit = options.max_bad_lines;
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

MatchEngine::MatchEngine(MatchOptions options) : state_(std::make_unique<State>()) {
    state_->options = std::move(options);
    state_->progress = MatchProgress(state_->options.progress);
    state_->summary.ledger_file = state_->options.ledger_path;
    state_->summary.settlement_files = state_->options.settlement_paths;
}

MatchEngine::~MatchEngine() = default;

Status MatchEngine::read(ExceptionSink& exceptions) {
    State& state = *state_;
    if (state.summary.settlement_files.size() > kSettlementFilesMax) {
        return Status(ErrorCode::bad_field, "more than " + std::to_string(kSettlementFilesMax) +
                                                " settlement files (kSettlementFilesMax)");
    }
    std::error_code error;
    std::uint64_t bytes_total = std::filesystem::file_size(state.options.ledger_path, error);
    for (const std::string& file : state.summary.settlement_files) {
        bytes_total += std::filesystem::file_size(file, error);
    }
    state.progress.setTotalBytes(bytes_total);
    Status status;
    try {
        status = state.readLedger(exceptions);
        for (std::size_t i = 0; status.ok() && i < state.summary.settlement_files.size(); ++i) {
            status = state.readSettlementFile(exceptions, i);
        }
    } catch (const std::bad_alloc&) {
        status = Status(ErrorCode::internal, "out of memory while reading the inputs");
    }
    if (!status.ok()) {
        state.progress.end();
    }
    return status;
}

Status MatchEngine::classify(ExceptionSink& exceptions, ResolutionSink& resolutions) {
    Status status;
    try {
        status = state_->classifyAll(exceptions, resolutions);
    } catch (const std::bad_alloc&) {
        status = Status(ErrorCode::internal, "out of memory while classifying");
    }
    state_->progress.end();
    state_->finishSummary();
    return status;
}

const MatchSummary& MatchEngine::summary() const noexcept { return state_->summary; }

}  // namespace claimgate::recon
