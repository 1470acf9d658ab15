#include <claimgate/recon/exception_writer.hpp>

#include <claimgate/recon/csv_field_splitter.hpp>
#include <claimgate/recon/limits.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <numeric>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

const std::array<const char*, kExceptionColumns> kExceptionColumnNames = {"claim_id",
                                                                          "category",
                                                                          "reason",
                                                                          "ledger_line",
                                                                          "program",
                                                                          "channel",
                                                                          "operator",
                                                                          "terminal_id",
                                                                          "terminal_ref",
                                                                          "ledger_status",
                                                                          "ledger_amount",
                                                                          "held_at",
                                                                          "ledger_paid_at",
                                                                          "settlement_file",
                                                                          "settlement_line",
                                                                          "settlement_operator",
                                                                          "settlement_terminal_id",
                                                                          "settlement_terminal_ref",
                                                                          "settlement_amount",
                                                                          "settlement_paid_at",
                                                                          "difference",
                                                                          "first_seen",
                                                                          "acknowledged_by"};

static_assert(kExceptionColumns <= kCsvFieldsMax, "buildPreview() splits rows back");

namespace {
constexpr std::size_t kOutputBufferBytes = std::size_t{1} << 20;

std::string number(std::uint64_t value) {
    return value == 0 ? std::string() : std::to_string(value);
}
std::string amount(const std::optional<std::int64_t>& value) {
    return value ? std::to_string(*value) : std::string();
}

std::string headerLine() {
    std::string header;
    for (std::size_t i = 0; i < kExceptionColumns; ++i) {
        header += i == 0 ? "" : ",";
        header += kExceptionColumnNames[i];
    }
    return header + '\n';
}

/// Undoes appendCsvField's formula guard for display.
std::string displayField(std::string_view field) {
    if (field.size() > 1 && field[0] == '\'' &&
        std::string_view("=+-@").find(field[1]) != std::string_view::npos) {
        field.remove_prefix(1);
    }
    return std::string(field);
}

/// A read-only view of a whole file (the scratch rows), unmapped on destruction.
class MappedFile {
public:
    MappedFile(int fd, std::size_t size) : size_(size) {
        if (size_ > 0) {
            void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            data_ = mapped == MAP_FAILED ? nullptr : static_cast<const char*>(mapped);
        }
    }
    ~MappedFile() {
        if (data_ != nullptr) {
            ::munmap(const_cast<char*>(data_), size_);
        }
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    [[nodiscard]] bool ok() const noexcept { return size_ == 0 || data_ != nullptr; }
    [[nodiscard]] const char* data() const noexcept { return data_; }

private:
    const char* data_ = nullptr;
    std::size_t size_;
};

}  // namespace

Result<std::unique_ptr<ExceptionWriter>> ExceptionWriter::open(const std::string& path,
                                                               ExceptionHistory* history,
                                                               std::string now) {
    const std::string scratch = path + ".unsorted.partial";
    std::FILE* file = std::fopen(scratch.c_str(), "w+b");
    if (file == nullptr) {
        return Status(ErrorCode::internal, scratch + ": cannot create: " + std::strerror(errno));
    }
    std::setvbuf(file, nullptr, _IOFBF, kOutputBufferBytes);
    return std::unique_ptr<ExceptionWriter>(
        new ExceptionWriter(file, path, history, std::move(now)));
}

ExceptionWriter::ExceptionWriter(std::FILE* scratch, std::string path, ExceptionHistory* history,
                                 std::string now)
    : scratch_(scratch), path_(std::move(path)), history_(history), now_(std::move(now)) {}

ExceptionWriter::~ExceptionWriter() {
    if (scratch_ != nullptr) {
        std::fclose(scratch_);
        std::remove((path_ + ".unsorted.partial").c_str());
    }
}

ExceptionWriter::Row ExceptionWriter::toRow(const ExceptionRecord& r) {
    return Row{std::string(r.claim_id),
               std::string(categoryName(r.category)),
               std::string(r.reason),
               number(r.ledger_line),
               std::string(r.program),
               std::string(r.channel),
               std::string(r.operator_name),
               std::string(r.terminal_id),
               std::string(r.terminal_ref),
               std::string(r.ledger_status),
               amount(r.ledger_amount),
               std::string(r.held_at),
               std::string(r.ledger_paid_at),
               std::string(r.settlement_file),
               number(r.settlement_line),
               std::string(r.settlement_operator),
               std::string(r.settlement_terminal_id),
               std::string(r.settlement_terminal_ref),
               amount(r.settlement_amount),
               std::string(r.settlement_paid_at),
               amount(r.difference),
               std::string(),
               std::string()};
}

std::string ExceptionWriter::operatorFileName(const std::string& operator_name) {
    std::string name = "exceptions-";
    for (const char c : operator_name) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
        name.push_back(plain ? c : '_');
    }
    return name + ".csv";
}

void ExceptionWriter::add(const ExceptionRecord& record) {
    if (keys_.size() >= kExceptionRowsMax) {
        failed_ = true;  // commit() reports it: more exceptions than one run sorts
        return;
    }
    Row row = toRow(record);
    if (history_ != nullptr && !record.claim_id.empty() && record.category != Category::malformed) {
        if (const HistoryEntry* earlier = history_->find(record.claim_id, record.category)) {
            row[kExcFirstSeen] = earlier->first_seen;
            row[kExcAcknowledgedBy] = earlier->acknowledged_by;
            ++(earlier->acknowledged_by.empty() ? marks_.carried_rows : marks_.acknowledged_rows);
        } else {
            row[kExcFirstSeen] = now_;
            ++marks_.new_rows;
        }
        history_->carry(record.claim_id, record.category, record.operator_name, now_);
    }
    line_.clear();
    for (std::size_t i = 0; i < kExceptionColumns; ++i) {
        if (i > 0) {
            line_.push_back(',');
        }
        if (i == kExcDifference) {
            line_ += row[i];  // a number we wrote ("-1000"): no formula guard, stays a number
        } else {
            appendCsvField(line_, row[i]);
        }
    }
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), scratch_) != line_.size()) {
        failed_ = true;
    }
    SortKey key;
    key.offset = scratch_bytes_;
    key.length = static_cast<std::uint32_t>(line_.size());
    key.rank = static_cast<std::uint8_t>(categoryReviewRank(record.category));
    key.id_offset = static_cast<std::uint32_t>(ids_.size());
    key.id_length = static_cast<std::uint16_t>(record.claim_id.size());
    ids_.append(record.claim_id);
    key.operator_index = kNoOperator;
    if (!record.operator_name.empty()) {
        const auto found = std::find(operators_.begin(), operators_.end(), record.operator_name);
        key.operator_index = static_cast<std::uint32_t>(found - operators_.begin());
        if (found == operators_.end()) {
            operators_.emplace_back(record.operator_name);
        }
    }
    scratch_bytes_ += line_.size();
    keys_.push_back(key);
}

Status ExceptionWriter::writeSorted(const std::string& path, const std::vector<std::size_t>& order,
                                    const char* rows) {
    const std::string partial = path + ".partial";
    std::FILE* out = std::fopen(partial.c_str(), "wb");
    if (out == nullptr) {
        return Status(ErrorCode::internal, partial + ": cannot create: " + std::strerror(errno));
    }
    std::setvbuf(out, nullptr, _IOFBF, kOutputBufferBytes);
    const std::string header = headerLine();
    bool written = std::fwrite(header.data(), 1, header.size(), out) == header.size();
    for (const std::size_t i : order) {
        written &= std::fwrite(rows + keys_[i].offset, 1, keys_[i].length, out) == keys_[i].length;
    }
    written = written && std::fflush(out) == 0 && ::fsync(fileno(out)) == 0;
    const bool closed = std::fclose(out) == 0;
    if (!written || !closed || std::rename(partial.c_str(), path.c_str()) != 0) {
        std::remove(partial.c_str());
        return Status(ErrorCode::internal, path + ": write failed: " + std::strerror(errno));
    }
    return Status::okStatus();
}

void ExceptionWriter::buildPreview(const std::vector<std::size_t>& order, const char* rows) {
    std::array<std::size_t, 256> per_rank{};
    CsvFieldSplitter splitter;
    for (const std::size_t i : order) {
        if (preview_.size() >= kHtmlExceptionRowsMax) {
            break;
        }
        const SortKey& key = keys_[i];
        if (per_rank[key.rank]++ >= kHtmlExceptionRowsPerCategory) {
            continue;
        }
        std::string_view line(rows + key.offset, key.length);
        line.remove_suffix(1);  // '\n'
        if (splitter.split(line) != kExceptionColumns) {
            continue;  // cannot happen: we wrote it
        }
        Row row;
        for (std::size_t c = 0; c < kExceptionColumns; ++c) {
            row[c] = displayField(splitter.field(c));
        }
        preview_.push_back(std::move(row));
    }
}

Status ExceptionWriter::commit() {
    const std::string scratch = path_ + ".unsorted.partial";
    const bool flushed = std::fflush(scratch_) == 0;
    if (failed_ || !flushed) {
        return Status(ErrorCode::internal,
                      keys_.size() >= kExceptionRowsMax
                          ? "more than " + std::to_string(kExceptionRowsMax) +
                                " exceptions (kExceptionRowsMax): check the inputs belong together"
                          : scratch + ": write failed: " + std::strerror(errno));
    }
    Status status;
    {
        const MappedFile mapped(fileno(scratch_), scratch_bytes_);
        if (!mapped.ok()) {
            return Status(ErrorCode::internal, scratch + ": cannot map: " + std::strerror(errno));
        }
        const char* rows = mapped.data();
        const auto id = [&](const SortKey& key) {
            return std::string_view(ids_.data() + key.id_offset, key.id_length);
        };
        const auto operatorName = [&](const SortKey& key) {
            return key.operator_index == kNoOperator
                       ? std::string_view()
                       : std::string_view(operators_[key.operator_index]);
        };
        std::vector<std::size_t> order(keys_.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        // exceptions.csv: what to act on first, then by operator and claim id.
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const SortKey& x = keys_[a];
            const SortKey& y = keys_[b];
            if (x.rank != y.rank) {
                return x.rank < y.rank;
            }
            if (const int c = operatorName(x).compare(operatorName(y)); c != 0) {
                return c < 0;
            }
            return id(x) < id(y);
        });
        status = writeSorted(path_, order, rows);
        buildPreview(order, rows);
        // One file per operator, same order inside: a stable sort by operator keeps it.
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return operatorName(keys_[a]) < operatorName(keys_[b]);
        });
        const std::string dir = path_.substr(0, path_.find_last_of('/') + 1);
        for (std::size_t begin = 0; status.ok() && begin < order.size();) {
            std::size_t end = begin;
            const std::uint32_t op = keys_[order[begin]].operator_index;
            while (end < order.size() && keys_[order[end]].operator_index == op) {
                ++end;
            }
            if (op != kNoOperator) {
                const std::vector<std::size_t> group(
                    order.begin() + static_cast<std::ptrdiff_t>(begin),
                    order.begin() + static_cast<std::ptrdiff_t>(end));
                OperatorFile file{operators_[op], operatorFileName(operators_[op]), group.size()};
                status = writeSorted(dir + file.file, group, rows);
                operator_files_.push_back(std::move(file));
            }
            begin = end;
        }
    }
    std::fclose(scratch_);
    scratch_ = nullptr;
    std::remove(scratch.c_str());
    return status;
}

void ExceptionWriter::abandon() {
    if (scratch_ != nullptr) {
        std::fclose(scratch_);
        scratch_ = nullptr;
    }
    std::remove((path_ + ".unsorted.partial").c_str());
}

}  // namespace claimgate::recon
