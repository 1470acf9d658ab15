#include <claimgate/recon/match_engine.hpp>

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/csv_field_splitter.hpp>
#include <claimgate/recon/csv_file_reader.hpp>
#include <claimgate/recon/large_buffer.hpp>

#include <algorithm>
#include <cerrno>
#include <array>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <new>
#include <string_view>
#include <unordered_map>

namespace claimgate::recon {

using protocols::Channel;
using protocols::ClaimStatus;
using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

constexpr std::string_view kLedgerHeader =
    "claim_id,program,citizen_key,channel,operator,terminal_id,terminal_ref,amount,status,held_at,"
    "paid_at";
constexpr std::string_view kSettlementHeader =
    "operator,terminal_id,terminal_ref,claim_id,amount,paid_at";

// Column positions of the two formats (contracts §8).
enum LedgerColumn : std::size_t {
    kLedgerClaimId = 0,
    kLedgerProgram,
    kLedgerCitizenKey,
    kLedgerChannel,
    kLedgerOperator,
    kLedgerTerminalId,
    kLedgerTerminalRef,
    kLedgerAmount,
    kLedgerStatus,
    kLedgerHeldAt,
    kLedgerPaidAt,
    kLedgerColumns,
};
enum SettlementColumn : std::size_t {
    kSettlementOperator = 0,
    kSettlementTerminalId,
    kSettlementTerminalRef,
    kSettlementClaimId,
    kSettlementAmount,
    kSettlementPaidAt,
    kSettlementColumns,
};

constexpr std::size_t kCitizenKeyHexLength = 64;  // hex of HMAC-SHA256
constexpr std::uint8_t kUnknownChannel = protocols::kChannelCount;
constexpr std::size_t kChannelSlots = protocols::kChannelCount + 1;
// Average ledger line for sizing the claim index up front (real lines are ~200 bytes; shorter
// lines only cost a rehash).
constexpr std::uint64_t kLedgerLineBytesEstimate = 160;
constexpr std::uint64_t kProgressEveryLines = 1U << 16;
constexpr auto kProgressInterval = std::chrono::milliseconds(500);
constexpr unsigned kRefFileShift = 48;
constexpr std::uint64_t kRefOffsetMask = (std::uint64_t{1} << kRefFileShift) - 1;

constexpr std::array<bool, 256> kHexDigit = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view("0123456789abcdefABCDEF")) {
        table[static_cast<unsigned char>(c)] = true;
    }
    return table;
}();

bool isHex(std::string_view text) noexcept {
    bool all = true;
    for (const char c : text) {
        all &= kHexDigit[static_cast<unsigned char>(c)];  // no early exit: branch-free loop
    }
    return all;
}

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
        return static_cast<std::size_t>(ClaimIndex::hash(text));
    }
};

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
    std::uint32_t settle_line = 0;   ///< line number of the primary row
    std::uint64_t settle_ref = 0;    ///< file << 48 | byte offset of the primary row
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
    // Operators interned to small ids; tallies per (operator, channel, category).
    std::vector<std::string> operators;
    std::unordered_map<std::string, std::uint16_t, StringHash, std::equal_to<>> operator_ids;
    std::vector<Tally> cells;
    CsvFieldSplitter splitter;
    CsvFieldSplitter detail_splitter;  ///< for rows re-read while `splitter` is in use
    std::string detail_row;
    std::array<PendingClaim, kLookupBatch> pending_claims;
    std::size_t pending_claim_count = 0;
    std::array<PendingRow, kLookupBatch> pending_rows;
    std::size_t pending_row_count = 0;
    // Re-reading single lines: one open file at a time.
    int fetch_fd = -1;
    std::size_t fetch_file = 0;
    // Progress.
    std::uint64_t bytes_total = 0;
    std::uint64_t bytes_before_file = 0;
    std::chrono::steady_clock::time_point last_progress{};
    bool progress_shown = false;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    ~State() {
        if (fetch_fd >= 0) {
            ::close(fetch_fd);
        }
    }

    ClaimState* states() const { return static_cast<ClaimState*>(state_buffer.data()); }

    void tally(Category category, std::uint8_t channel_slot, std::uint16_t op,
               std::int64_t amount) {
        Tally& cell =
            cells[(std::size_t{op} * kChannelSlots + channel_slot) * kCategoryCount +
                  static_cast<std::size_t>(category)];
        ++cell.count;
        cell.amount += amount;
    }

    /// Interned id of an operator name; nullopt past kOperatorsMax.
    std::optional<std::uint16_t> internOperator(std::string_view name) {
        const auto found = operator_ids.find(name);
        if (found != operator_ids.end()) {
            return found->second;
        }
        if (operators.size() >= kOperatorsMax) {
            return std::nullopt;
        }
        const auto id = static_cast<std::uint16_t>(operators.size());
        operators.emplace_back(name);
        operator_ids.emplace(std::string(name), id);
        cells.resize(operators.size() * kChannelSlots * kCategoryCount);
        return id;
    }

    /// The settlement line at (file, offset) split into detail_splitter; false if unreadable.
    bool fetchRow(std::size_t file_index, std::uint64_t offset) {
        if (fetch_fd < 0 || fetch_file != file_index) {
            if (fetch_fd >= 0) {
                ::close(fetch_fd);
            }
            fetch_fd = ::open(summary.settlement_files[file_index].c_str(), O_RDONLY | O_CLOEXEC);
            fetch_file = file_index;
            if (fetch_fd < 0) {
                return false;
            }
        }
        return readLine(fetch_fd, offset, detail_row) &&
               detail_splitter.split(detail_row) == kSettlementColumns;
    }

    /// The line at `offset` of `fd` into `out` (no line ending); short reads first, since a
    /// line is ~100-200 bytes and exceptions are read one by one.
    static bool readLine(int fd, std::uint64_t offset, std::string& out) {
        constexpr std::size_t kFirstReadBytes = 512;
        for (std::size_t want = kFirstReadBytes;; want = kCsvLineBytesMax + 2) {
            out.resize(want);
            const ssize_t got = ::pread(fd, out.data(), want, static_cast<off_t>(offset));
            if (got <= 0) {
                return false;
            }
            out.resize(static_cast<std::size_t>(got));
            const std::size_t newline = out.find('\n');
            if (newline != std::string::npos || static_cast<std::size_t>(got) < want ||
                want > kFirstReadBytes) {
                if (newline != std::string::npos) {
                    out.resize(newline);
                }
                if (!out.empty() && out.back() == '\r') {
                    out.pop_back();
                }
                return true;
            }
        }
    }

    void showProgress(const char* phase, std::uint64_t bytes_in_file, std::uint64_t rows) {
        if (!options.progress) {
            return;
        }
        // Reading is ~90% of the work, classify() the rest.
        const double read_share = bytes_total == 0 ? 1.0
                                                   : static_cast<double>(bytes_before_file +
                                                                         bytes_in_file) /
                                                         static_cast<double>(bytes_total);
        showPercent(phase, 90.0 * read_share, rows);
    }

    void showPercent(const char* phase, double done, std::uint64_t rows) {
        if (!options.progress) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_progress < kProgressInterval) {
            return;
        }
        last_progress = now;
        progress_shown = true;
        std::fprintf(stderr, "\rrecon match: %-10s %5.1f%%  %llu rows  ", phase, done,
                     static_cast<unsigned long long>(rows));
        std::fflush(stderr);
    }

    void endProgress() {
        if (progress_shown) {
            std::fprintf(stderr, "\rrecon match: done%40s\n", "");
            progress_shown = false;
        }
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

    static Status checkHeader(const CsvLine& line, const std::string& file,
                              std::string_view expected) {
        const std::string_view header = normaliseHeader(line.text);
        if (header == expected) {
            return Status::okStatus();
        }
        // The line is not echoed: a wrong file (a roster) could carry plaintext citizen IDs.
        const auto fields =
            static_cast<std::size_t>(std::count(header.begin(), header.end(), ',')) + 1;
        return Status(ErrorCode::bad_field,
                      location(file, 1) + ": header missing or wrong: expected `" +
                          std::string(expected) + "`, found a line with " +
                          std::to_string(fields) + " field(s) that differs",
                      {{"file", file}, {"line", 1}});
    }

    // Returns a reason when the ledger line is malformed (fields are in `splitter`).
    const char* checkLedgerFields(std::size_t count) const {
        if (count != kLedgerColumns) {
            return "expected 11 fields (claim_id,program,citizen_key,channel,operator,terminal_id,"
                   "terminal_ref,amount,status,held_at,paid_at)";
        }
        const std::string_view claim_id = splitter.field(kLedgerClaimId);
        if (claim_id.empty()) {
            return "claim_id is empty";
        }
        if (claim_id.size() > kClaimIdLengthMax) {
            return "claim_id is longer than 64 bytes";
        }
        const std::string_view key = splitter.field(kLedgerCitizenKey);
        if (key.size() != kCitizenKeyHexLength || !isHex(key)) {
            return "citizen_key is not a 64-character hex HMAC (a plaintext ID must never be "
                   "exported)";
        }
        const std::string_view op = splitter.field(kLedgerOperator);
        if (op.empty() || op.size() > kOperatorLengthMax) {
            return "operator is empty or longer than 32 bytes";
        }
        if (splitter.field(kLedgerTerminalId).size() > kTerminalIdLengthMax) {
            return "terminal_id is longer than 64 bytes";
        }
        return nullptr;
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
                state_buffer.reserve(std::max<std::size_t>(state_buffer.capacity() * 2,
                                                           sizeof(ClaimState) * 1024));
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
        while (reader.next(line)) {
            if (line.number % kProgressEveryLines == 0) {
                showProgress("ledger", reader.bytesDone(), claims);
            }
            if (line.number == 1) {
                if (Status header = checkHeader(line, path, kLedgerHeader); !header.ok()) {
                    return header;
                }
                continue;
            }
            if (line.too_long) {
                if (Status s = badLine(exceptions, path, line.number, "line longer than 4096 bytes",
                                       true);
                    !s.ok()) {
                    return s;
                }
                continue;
            }
            if (line.text.empty()) {
                continue;
            }
            if (line.number > 0xFFFF'FFFFU) {
                return Status(ErrorCode::bad_field, path + ": more than 4294967295 lines");
            }
            const std::size_t count = splitter.split(line.text);
            const char* reason = count == 0 ? nullptr : checkLedgerFields(count);
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
                    reason = "channel is not one of atm, kiosk, counter, direct_deposit, "
                             "registered_deposit, registry";
                } else if (!parsed_status || *parsed_status == ClaimStatus::none) {
                    reason = "status is not one of held, in_doubt, paid, voided";
                } else if (!parseAmount(splitter.field(kLedgerAmount), amount)) {
                    reason = "amount is not a whole number of TWD from 0 to 1000000000";
                } else if (claims + pending_claim_count >= kLedgerClaimsMax) {
                    return Status(ErrorCode::bad_field, path + ": more than " +
                                                            std::to_string(kLedgerClaimsMax) +
                                                            " claims (kLedgerClaimsMax)");
                } else if (op = internOperator(splitter.field(kLedgerOperator)); !op) {
                    reason = "more than 1024 distinct operators (kOperatorsMax)";
                }
            }
            if (reason != nullptr) {
                if (Status s = badLine(exceptions, path, line.number, reason, true); !s.ok()) {
                    return s;
                }
                continue;
            }
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
        bytes_before_file += reader.sizeBytes();
        return Status::okStatus();
    }

    const char* checkSettlementFields(std::size_t count, std::int64_t& amount) const {
        if (count != kSettlementColumns) {
            return "expected 6 fields (operator,terminal_id,terminal_ref,claim_id,amount,paid_at)";
        }
        const std::string_view claim_id = splitter.field(kSettlementClaimId);
        if (claim_id.empty()) {
            return "claim_id is empty";
        }
        if (claim_id.size() > kClaimIdLengthMax) {
            return "claim_id is longer than 64 bytes";
        }
        const std::string_view op = splitter.field(kSettlementOperator);
        if (op.empty() || op.size() > kOperatorLengthMax) {
            return "operator is empty or longer than 32 bytes";
        }
        if (splitter.field(kSettlementTerminalId).size() > kTerminalIdLengthMax) {
            return "terminal_id is longer than 64 bytes";
        }
        if (!parseAmount(splitter.field(kSettlementAmount), amount)) {
            return "amount is not a whole number of TWD from 0 to 1000000000";
        }
        return nullptr;
    }

    /// Fills the ledger-side columns known without the ledger text.
    void fillLedgerSide(ExceptionRecord& record, const ClaimState& state) const {
        record.channel = protocols::channelName(static_cast<Channel>(state.channel));
        record.operator_name = operators[state.operator_id];
        record.ledger_status = protocols::claimStatusName(static_cast<ClaimStatus>(state.status));
        record.ledger_amount = state.ledger_amount;
    }

    /// Fills the settlement-side columns from the fields currently in `fields`.
    static void fillSettlementSide(ExceptionRecord& record, const CsvFieldSplitter& fields,
                                   std::string_view file, std::uint64_t line,
                                   std::int64_t amount) {
        record.settlement_file = file;
        record.settlement_line = line;
        record.settlement_operator = fields.field(kSettlementOperator);
        record.settlement_terminal_id = fields.field(kSettlementTerminalId);
        record.settlement_terminal_ref = fields.field(kSettlementTerminalRef);
        record.settlement_amount = amount;
        record.settlement_paid_at = fields.field(kSettlementPaidAt);
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
        const std::string& path = summary.settlement_files[file_index];
        std::string reason_text;
        for (std::size_t i = 0; i < count; ++i) {
            const PendingRow& row = pending_rows[i];
            const std::uint64_t ref = (std::uint64_t{file_index} << kRefFileShift) | row.offset;
            if (row.position == ClaimIndex::kNotFound) {
                ExceptionRecord record;
                record.category = Category::missing_in_ledger;
                record.claim_id = row.claimId();
                record.reason =
                    "the operator reports a payment for a claim the ledger does not know";
                std::optional<std::uint16_t> op;
                if (fetchRow(file_index, row.offset)) {
                    op = internOperator(detail_splitter.field(kSettlementOperator));
                    record.operator_name = detail_splitter.field(kSettlementOperator);
                    fillSettlementSide(record, detail_splitter, path, row.line, row.amount);
                }
                if (!op) {
                    --summary.settlement_records;
                    if (Status s = badLine(exceptions, path, row.line,
                                           "more than 1024 distinct operators (kOperatorsMax)",
                                           false);
                        !s.ok()) {
                        return s;
                    }
                    continue;
                }
                tally(Category::missing_in_ledger, kUnknownChannel, *op, row.amount);
                exceptions.add(record);
                ++summary.exception_count;
                continue;
            }
            ClaimState& state = states()[row.position];
            if (state.settle_count == 0) {
                state.settle_count = 1;
                state.settle_amount = static_cast<std::int32_t>(row.amount);
                state.settle_ref = ref;
                state.settle_line = static_cast<std::uint32_t>(row.line);
                continue;
            }
            if (state.settle_count < 0xFFFF'FFFFU) {
                ++state.settle_count;
            }
            const bool promote = state.status == static_cast<std::uint8_t>(ClaimStatus::paid) &&
                                 state.settle_amount != state.ledger_amount &&
                                 row.amount == state.ledger_amount;
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
                const std::size_t old_file = old_ref >> kRefFileShift;
                reason_text = "settlement row beyond the first for this claim; the row at " +
                              shortLocation(path, row.line) + " carries the ledger's amount";
                if (fetchRow(old_file, old_ref & kRefOffsetMask)) {
                    fillSettlementSide(record, detail_splitter, summary.settlement_files[old_file],
                                       old_line, duplicate_amount);
                }
            } else {
                reason_text = "settlement row beyond the first for this claim (first at " +
                              shortLocation(summary.settlement_files[state.settle_ref >> kRefFileShift],
                                       state.settle_line) +
                              ")";
                if (fetchRow(file_index, row.offset)) {
                    fillSettlementSide(record, detail_splitter, path, row.line, row.amount);
                }
            }
            record.reason = reason_text;
            tally(Category::duplicate_in_settlement, state.channel, state.operator_id,
                  duplicate_amount);
            exceptions.add(record);
            ++summary.exception_count;
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
        while (reader.next(line)) {
            if (line.number % kProgressEveryLines == 0) {
                showProgress("settlement", reader.bytesDone(), summary.settlement_records);
            }
            if (line.number == 1) {
                if (Status header = checkHeader(line, path, kSettlementHeader); !header.ok()) {
                    return header;
                }
                continue;
            }
            if (line.too_long) {
                if (Status s = badLine(exceptions, path, line.number,
                                       "line longer than 4096 bytes", false);
                    !s.ok()) {
                    return s;
                }
                continue;
            }
            if (line.text.empty()) {
                continue;
            }
            if (line.number > 0xFFFF'FFFFU) {
                return Status(ErrorCode::bad_field, path + ": more than 4294967295 lines");
            }
            const std::size_t count = splitter.split(line.text);
            std::int64_t amount = 0;
            const char* reason =
                count == 0 ? splitter.error().data() : checkSettlementFields(count, amount);
            if (reason != nullptr) {
                if (Status s = badLine(exceptions, path, line.number, reason, false); !s.ok()) {
                    return s;
                }
                continue;
            }
            ++summary.settlement_records;
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
        bytes_before_file += reader.sizeBytes();
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
    std::vector<Resolution> batch;
    batch.reserve(kResolutionBatchMax);
    std::string reason_text;
    std::string ledger_text;
    for (std::size_t p = 0; p < claims; ++p) {
        if (p % kProgressEveryLines == 0) {
            showPercent("classify",
                        90.0 + 10.0 * static_cast<double>(p) / static_cast<double>(claims), p);
        }
        const ClaimState& state = states()[p];
        const auto claim_status = static_cast<ClaimStatus>(state.status);
        const std::uint32_t rows = state.settle_count;
        const std::int64_t amount = state.ledger_amount;
        Category category = Category::matched;
        std::int64_t tally_amount = amount;
        switch (claim_status) {
            case ClaimStatus::paid:
                if (rows == 0) {
                    category = Category::missing_in_settlement;
                } else if (state.settle_amount != amount) {
                    category = Category::amount_mismatch;
                    tally_amount = state.settle_amount;
                }
                break;
            case ClaimStatus::held:
            case ClaimStatus::in_doubt:
                category = rows == 0 ? Category::in_doubt_unpaid : Category::in_doubt_paid;
                if (rows > 0) {
                    tally_amount = state.settle_amount;
                }
                break;
            case ClaimStatus::voided:
            case ClaimStatus::none:
                category = rows == 0 ? Category::voided : Category::missing_in_ledger;
                if (rows > 0) {
                    tally_amount = state.settle_amount;
                }
                break;
        }
        tally(category, state.channel, state.operator_id, tally_amount);
        if (!isException(category)) {
            continue;
        }
        // An exception: its ledger line is read and split only now.
        if (!readLine(ledger_fd, state.ledger_offset, ledger_text) ||
            splitter.split(ledger_text) != kLedgerColumns ||
            splitter.field(kLedgerClaimId).size() > kClaimIdLengthMax) {
            return Status(ErrorCode::internal,
                          location(path, state.ledger_line) + ": ledger changed while matching");
        }
        ExceptionRecord record;
        record.category = category;
        record.claim_id = splitter.field(kLedgerClaimId);
        record.ledger_line = state.ledger_line;
        record.program = splitter.field(kLedgerProgram);
        record.terminal_id = splitter.field(kLedgerTerminalId);
        record.terminal_ref = splitter.field(kLedgerTerminalRef);
        record.held_at = splitter.field(kLedgerHeldAt);
        record.ledger_paid_at = splitter.field(kLedgerPaidAt);
        fillLedgerSide(record, state);
        std::string settlement_file;
        if (rows > 0 &&
            fetchRow(state.settle_ref >> kRefFileShift, state.settle_ref & kRefOffsetMask)) {
            settlement_file = summary.settlement_files[state.settle_ref >> kRefFileShift];
            fillSettlementSide(record, detail_splitter, settlement_file, state.settle_line,
                               state.settle_amount);
        }
        const bool in_doubt = claim_status == ClaimStatus::in_doubt;
        switch (category) {
            case Category::amount_mismatch:
                reason_text = "the operator settled " + std::to_string(state.settle_amount) +
                              " TWD, the ledger says " + std::to_string(amount) + " TWD";
                break;
            case Category::missing_in_settlement:
                reason_text = "the ledger says paid but no operator's settlement file has the claim";
                break;
            case Category::missing_in_ledger:
                reason_text = "the ledger says voided but the operator reports a payment";
                break;
            case Category::in_doubt_paid:
                reason_text = in_doubt ? "in doubt in the ledger; the operator reports the payment: "
                                         "resolve as paid"
                                       : "still held in the ledger (not timed out); the operator "
                                         "reports the payment, the terminal's commit should follow";
                if (state.settle_amount != amount) {
                    reason_text += " (settled " + std::to_string(state.settle_amount) +
                                   " TWD, ledger " + std::to_string(amount) + " TWD)";
                }
                break;
            case Category::in_doubt_unpaid:
            default:
                reason_text = in_doubt ? "in doubt in the ledger; no settlement row"
                                       : "still held in the ledger (not timed out); no settlement "
                                         "row yet";
                break;
        }
        std::optional<Resolution> resolution;
        if (in_doubt && category == Category::in_doubt_paid && record.settlement_line != 0) {
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
        } else if (in_doubt && category == Category::in_doubt_unpaid) {
            const auto held_at = protocols::parseRfc3339Millis(record.held_at);
            if (!options.closed_before_millis) {
                reason_text += "; stays in doubt (no --closed-before given)";
            } else if (!held_at) {
                reason_text += "; held_at is not an RFC 3339 time, cannot tell its period";
            } else if (*held_at < *options.closed_before_millis) {
                reason_text += ": the settlement period closed without a payment, resolve as voided";
                resolution = Resolution{};
                resolution->outcome = ResolutionOutcome::voided;
                resolution->reason = "settlement period closed (held before --closed-before) "
                                     "without a settlement row";
            } else {
                reason_text += "; its settlement period is still open (held after --closed-before)";
            }
        }
        record.reason = reason_text;
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
    summary.totals = {};
    std::map<std::string, CategoryTallies> by_channel;
    std::map<std::string, CategoryTallies> by_operator;
    for (std::size_t op = 0; op < operators.size(); ++op) {
        for (std::size_t slot = 0; slot < kChannelSlots; ++slot) {
            const std::string channel_name =
                slot == kUnknownChannel
                    ? std::string("unknown")
                    : std::string(protocols::channelName(static_cast<Channel>(slot)));
            for (std::size_t category = 0; category < kCategoryCount; ++category) {
                const Tally& cell = cells[(op * kChannelSlots + slot) * kCategoryCount + category];
                if (cell.count == 0) {
                    continue;
                }
                for (Tally* target : {&summary.totals[category], &by_channel[channel_name][category],
                                      &by_operator[operators[op]][category]}) {
                    target->count += cell.count;
                    target->amount += cell.amount;
                }
            }
        }
    }
    summary.totals[static_cast<std::size_t>(Category::malformed)].count = summary.bad_line_count;
    summary.by_channel.assign(by_channel.begin(), by_channel.end());
    summary.by_operator.assign(by_operator.begin(), by_operator.end());
    summary.bad_line_limit = options.max_bad_lines;
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

MatchEngine::MatchEngine(MatchOptions options) : state_(std::make_unique<State>()) {
    state_->options = std::move(options);
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
    state.bytes_total = std::filesystem::file_size(state.options.ledger_path, error);
    for (const std::string& file : state.summary.settlement_files) {
        state.bytes_total += std::filesystem::file_size(file, error);
    }
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
        state.endProgress();
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
    state_->endProgress();
    state_->finishSummary();
    return status;
}

const MatchSummary& MatchEngine::summary() const noexcept { return state_->summary; }

}  // namespace claimgate::recon
