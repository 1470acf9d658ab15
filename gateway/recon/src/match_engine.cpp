#include <claimgate/recon/match_engine.hpp>

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/csv_field_splitter.hpp>
#include <claimgate/recon/csv_file_reader.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
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

// Column positions of the two formats (DESIGN §8).
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

bool isHex(std::string_view text) noexcept {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
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

struct MatchEngine::State {
    MatchOptions options;
    MatchSummary summary;
    std::unique_ptr<ClaimIndex> index;
    // Per claim position (struct of arrays keeps the hot loops in cache).
    std::vector<std::uint8_t> status;
    std::vector<std::uint8_t> channel;
    std::vector<std::uint16_t> operator_id;
    std::vector<std::int32_t> ledger_amount;
    std::vector<std::uint32_t> settle_count;
    std::vector<std::int32_t> settle_amount;  ///< amount of the first (primary) row
    std::vector<std::uint64_t> settle_ref;    ///< file << 48 | byte offset of the primary row
    std::vector<std::uint32_t> settle_line;   ///< line number of the primary row
    // Operators interned to small ids; tallies per (operator, channel, category).
    std::vector<std::string> operators;
    std::unordered_map<std::string, std::uint16_t, StringHash, std::equal_to<>> operator_ids;
    std::vector<Tally> cells;
    std::vector<std::uint64_t> bad_ledger_lines;  ///< ascending; skipped again by classify()
    CsvFieldSplitter splitter;
    CsvFieldSplitter detail_splitter;  ///< for rows re-read while `splitter` is in use
    // Progress.
    std::uint64_t bytes_total = 0;
    std::uint64_t bytes_before_file = 0;
    std::chrono::steady_clock::time_point last_progress{};
    bool progress_shown = false;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

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

    void showProgress(const char* phase, std::uint64_t bytes_in_file, std::uint64_t rows) {
        if (!options.progress) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_progress < kProgressInterval) {
            return;
        }
        last_progress = now;
        progress_shown = true;
        const double done = bytes_total == 0 ? 100.0
                                              : 100.0 * static_cast<double>(bytes_before_file +
                                                                            bytes_in_file) /
                                                    static_cast<double>(bytes_total);
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
        const auto fields = static_cast<std::size_t>(std::count(header.begin(), header.end(), ',')) + 1;
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
        for (auto* column : {&status, &channel}) {
            column->reserve(estimate);
        }
        operator_id.reserve(estimate);
        ledger_amount.reserve(estimate);

        CsvLine line;
        while (reader.next(line)) {
            if (line.number % kProgressEveryLines == 0) {
                showProgress("ledger", reader.bytesDone(), index->size());
            }
            if (line.number == 1) {
                if (Status header = checkHeader(line, path, kLedgerHeader); !header.ok()) {
                    return header;
                }
                continue;
            }
            if (line.too_long) {
                bad_ledger_lines.push_back(line.number);
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
                } else if (index->size() >= kLedgerClaimsMax) {
                    return Status(ErrorCode::bad_field, path + ": more than " +
                                                            std::to_string(kLedgerClaimsMax) +
                                                            " claims (kLedgerClaimsMax)");
                } else if (op = internOperator(splitter.field(kLedgerOperator)); !op) {
                    reason = "more than 1024 distinct operators (kOperatorsMax)";
                }
            }
            if (reason == nullptr) {
                const auto [position, inserted] = index->insert(splitter.field(kLedgerClaimId));
                if (!inserted) {
                    reason = "claim_id appears more than once in the ledger";
                } else {
                    (void)position;
                    status.push_back(static_cast<std::uint8_t>(*parsed_status));
                    channel.push_back(static_cast<std::uint8_t>(*parsed_channel));
                    operator_id.push_back(*op);
                    ledger_amount.push_back(static_cast<std::int32_t>(amount));
                    continue;
                }
            }
            bad_ledger_lines.push_back(line.number);
            if (Status s = badLine(exceptions, path, line.number, reason, true); !s.ok()) {
                return s;
            }
        }
        if (!reader.status().ok()) {
            return reader.status();
        }
        if (reader.sizeBytes() == 0 && options.warn) {
            options.warn(path + ": empty ledger file (no header, no claims)");
        }
        summary.ledger_records = index->size();
        const std::size_t claims = index->size();
        settle_count.assign(claims, 0);
        settle_amount.assign(claims, 0);
        settle_ref.assign(claims, 0);
        settle_line.assign(claims, 0);
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
    void fillLedgerSide(ExceptionRecord& record, std::uint32_t position) const {
        record.channel = protocols::channelName(static_cast<Channel>(channel[position]));
        record.operator_name = operators[operator_id[position]];
        record.ledger_status =
            protocols::claimStatusName(static_cast<ClaimStatus>(status[position]));
        record.ledger_amount = ledger_amount[position];
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

    /// Re-reads the primary settlement row of `position` into detail_splitter; false if gone.
    bool loadPrimaryRow(std::uint32_t position) {
        const std::uint64_t ref = settle_ref[position];
        const std::string& file = summary.settlement_files[ref >> kRefFileShift];
        detail_row = readLineAt(file, ref & kRefOffsetMask);
        return detail_splitter.split(detail_row) == kSettlementColumns;
    }
    std::string detail_row;

    Status readSettlementFile(ExceptionSink& exceptions, std::size_t file_index) {
        const std::string& path = summary.settlement_files[file_index];
        auto opened = CsvFileReader::open(path);
        if (!opened.ok()) {
            return opened.status();
        }
        CsvFileReader& reader = *opened.value();
        CsvLine line;
        std::string reason_text;
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
            const std::string_view claim_id = splitter.field(kSettlementClaimId);
            const std::uint32_t position = index->find(claim_id);
            if (position == ClaimIndex::kNotFound) {
                const auto op = internOperator(splitter.field(kSettlementOperator));
                if (!op) {
                    --summary.settlement_records;
                    if (Status s = badLine(exceptions, path, line.number,
                                           "more than 1024 distinct operators (kOperatorsMax)",
                                           false);
                        !s.ok()) {
                        return s;
                    }
                    continue;
                }
                tally(Category::missing_in_ledger, kUnknownChannel, *op, amount);
                ExceptionRecord record;
                record.category = Category::missing_in_ledger;
                record.claim_id = claim_id;
                record.reason = "the operator reports a payment for a claim the ledger does not know";
                record.operator_name = splitter.field(kSettlementOperator);
                fillSettlementSide(record, splitter, path, line.number, amount);
                exceptions.add(record);
                ++summary.exception_count;
                continue;
            }
            const std::uint64_t ref = (std::uint64_t{file_index} << kRefFileShift) | line.offset;
            std::uint32_t& seen = settle_count[position];
            if (seen == 0) {
                seen = 1;
                settle_amount[position] = static_cast<std::int32_t>(amount);
                settle_ref[position] = ref;
                settle_line[position] = static_cast<std::uint32_t>(line.number);
                continue;
            }
            if (seen < 0xFFFF'FFFFU) {
                ++seen;
            }
            const bool promote = status[position] == static_cast<std::uint8_t>(ClaimStatus::paid) &&
                                 settle_amount[position] != ledger_amount[position] &&
                                 amount == ledger_amount[position];
            ExceptionRecord record;
            record.category = Category::duplicate_in_settlement;
            record.claim_id = claim_id;
            fillLedgerSide(record, position);
            if (promote) {
                // This row carries the ledger's amount: it becomes the primary row and the
                // earlier one (other amount) is the duplicate.
                const std::uint64_t old_ref = settle_ref[position];
                const std::uint32_t old_line = settle_line[position];
                const std::int64_t old_amount = settle_amount[position];
                settle_amount[position] = static_cast<std::int32_t>(amount);
                settle_ref[position] = ref;
                settle_line[position] = static_cast<std::uint32_t>(line.number);
                const std::string& old_file = summary.settlement_files[old_ref >> kRefFileShift];
                detail_row = readLineAt(old_file, old_ref & kRefOffsetMask);
                reason_text = "settlement row beyond the first for this claim; the row at " +
                              location(path, line.number) + " carries the ledger's amount";
                record.reason = reason_text;
                if (detail_splitter.split(detail_row) == kSettlementColumns) {
                    fillSettlementSide(record, detail_splitter, old_file, old_line, old_amount);
                }
                tally(Category::duplicate_in_settlement, channel[position], operator_id[position],
                      old_amount);
            } else {
                const std::uint64_t first_ref = settle_ref[position];
                reason_text = "settlement row beyond the first for this claim (first at " +
                              location(summary.settlement_files[first_ref >> kRefFileShift],
                                       settle_line[position]) +
                              ")";
                record.reason = reason_text;
                fillSettlementSide(record, splitter, path, line.number, amount);
                tally(Category::duplicate_in_settlement, channel[position], operator_id[position],
                      amount);
            }
            exceptions.add(record);
            ++summary.exception_count;
        }
        if (!reader.status().ok()) {
            return reader.status();
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
    auto opened = CsvFileReader::open(path);
    if (!opened.ok()) {
        return opened.status();
    }
    CsvFileReader& reader = *opened.value();
    std::vector<Resolution> batch;
    batch.reserve(kResolutionBatchMax);
    std::string reason_text;
    auto bad = bad_ledger_lines.begin();
    std::uint32_t position = 0;
    const std::uint32_t claims = static_cast<std::uint32_t>(index->size());
    CsvLine line;
    while (reader.next(line) && position < claims) {
        if (line.number % kProgressEveryLines == 0) {
            showProgress("classify", reader.bytesDone(), position);
        }
        if (line.number == 1) {
            continue;
        }
        if (bad != bad_ledger_lines.end() && *bad == line.number) {
            ++bad;
            continue;
        }
        if (line.too_long || line.text.empty()) {
            continue;
        }
        const std::uint32_t p = position++;
        const auto claim_status = static_cast<ClaimStatus>(status[p]);
        const std::uint32_t rows = settle_count[p];
        const std::int64_t amount = ledger_amount[p];
        Category category = Category::matched;
        std::int64_t tally_amount = amount;
        switch (claim_status) {
            case ClaimStatus::paid:
                if (rows == 0) {
                    category = Category::missing_in_settlement;
                } else if (settle_amount[p] != amount) {
                    category = Category::amount_mismatch;
                    tally_amount = settle_amount[p];
                }
                break;
            case ClaimStatus::held:
            case ClaimStatus::in_doubt:
                category = rows == 0 ? Category::in_doubt_unpaid : Category::in_doubt_paid;
                if (rows > 0) {
                    tally_amount = settle_amount[p];
                }
                break;
            case ClaimStatus::voided:
            case ClaimStatus::none:
                category = rows == 0 ? Category::voided : Category::missing_in_ledger;
                if (rows > 0) {
                    tally_amount = settle_amount[p];
                }
                break;
        }
        tally(category, channel[p], operator_id[p], tally_amount);
        if (!isException(category)) {
            continue;
        }
        // An exception: its ledger line is split only now (a few percent of all lines).
        if (splitter.split(line.text) != kLedgerColumns) {
            return Status(ErrorCode::internal,
                          location(path, line.number) + ": ledger changed while matching");
        }
        ExceptionRecord record;
        record.category = category;
        record.claim_id = splitter.field(kLedgerClaimId);
        record.ledger_line = line.number;
        record.program = splitter.field(kLedgerProgram);
        record.terminal_id = splitter.field(kLedgerTerminalId);
        record.terminal_ref = splitter.field(kLedgerTerminalRef);
        record.held_at = splitter.field(kLedgerHeldAt);
        record.ledger_paid_at = splitter.field(kLedgerPaidAt);
        fillLedgerSide(record, p);
        std::string settlement_file;
        if (rows > 0 && loadPrimaryRow(p)) {
            settlement_file = summary.settlement_files[settle_ref[p] >> kRefFileShift];
            fillSettlementSide(record, detail_splitter, settlement_file, settle_line[p],
                               settle_amount[p]);
        }
        const bool in_doubt = claim_status == ClaimStatus::in_doubt;
        switch (category) {
            case Category::amount_mismatch:
                reason_text = "the operator settled " + std::to_string(settle_amount[p]) +
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
                if (settle_amount[p] != amount) {
                    reason_text += " (settled " + std::to_string(settle_amount[p]) +
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
            resolution->reason = "settlement " + location(settlement_file, settle_line[p]) +
                                 " shows the payment";
            resolution->settlement_file = settlement_file;
            resolution->settlement_line = settle_line[p];
            resolution->operator_name = std::string(record.settlement_operator);
            resolution->terminal_id = std::string(record.settlement_terminal_id);
            resolution->terminal_ref = std::string(record.settlement_terminal_ref);
            resolution->amount = settle_amount[p];
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
    if (!reader.status().ok()) {
        return reader.status();
    }
    if (position != claims) {
        return Status(ErrorCode::internal, path + ": ledger changed while matching");
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
    state.bytes_total = 2 * std::filesystem::file_size(state.options.ledger_path, error);
    for (const std::string& file : state.summary.settlement_files) {
        state.bytes_total += std::filesystem::file_size(file, error);
    }
    Status status = state.readLedger(exceptions);
    for (std::size_t i = 0; status.ok() && i < state.summary.settlement_files.size(); ++i) {
        status = state.readSettlementFile(exceptions, i);
    }
    if (!status.ok()) {
        state.endProgress();
    }
    return status;
}

Status MatchEngine::classify(ExceptionSink& exceptions, ResolutionSink& resolutions) {
    Status status = state_->classifyAll(exceptions, resolutions);
    state_->endProgress();
    state_->finishSummary();
    return status;
}

const MatchSummary& MatchEngine::summary() const noexcept { return state_->summary; }

}  // namespace claimgate::recon
