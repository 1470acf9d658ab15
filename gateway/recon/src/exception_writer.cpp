#include <claimgate/recon/exception_writer.hpp>

#include <claimgate/recon/csv_field_splitter.hpp>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

const std::array<const char*, kExceptionColumns> kExceptionColumnNames = {
    "claim_id",          "category",           "reason",
    "ledger_line",       "program",            "channel",
    "operator",          "terminal_id",        "terminal_ref",
    "ledger_status",     "ledger_amount",      "held_at",
    "ledger_paid_at",    "settlement_file",    "settlement_line",
    "settlement_operator", "settlement_terminal_id", "settlement_terminal_ref",
    "settlement_amount", "settlement_paid_at"};

namespace {
constexpr std::size_t kOutputBufferBytes = std::size_t{1} << 20;

std::string number(std::uint64_t value) { return value == 0 ? std::string() : std::to_string(value); }
std::string amount(const std::optional<std::int64_t>& value) {
    return value ? std::to_string(*value) : std::string();
}
}  // namespace

Result<std::unique_ptr<ExceptionWriter>> ExceptionWriter::open(const std::string& path,
                                                                std::size_t preview_rows) {
    const std::string partial = path + ".partial";
    std::FILE* file = std::fopen(partial.c_str(), "wb");
    if (file == nullptr) {
        return Status(ErrorCode::internal, partial + ": cannot create: " + std::strerror(errno));
    }
    std::setvbuf(file, nullptr, _IOFBF, kOutputBufferBytes);
    auto writer = std::unique_ptr<ExceptionWriter>(new ExceptionWriter(file, path, preview_rows));
    std::string header;
    for (std::size_t i = 0; i < kExceptionColumns; ++i) {
        header += i == 0 ? "" : ",";
        header += kExceptionColumnNames[i];
    }
    header += '\n';
    std::fwrite(header.data(), 1, header.size(), file);
    return writer;
}

ExceptionWriter::ExceptionWriter(std::FILE* file, std::string path, std::size_t preview_rows)
    : file_(file), path_(std::move(path)), preview_rows_(preview_rows) {}

ExceptionWriter::~ExceptionWriter() {
    if (file_ != nullptr) {
        std::fclose(file_);
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
               std::string(r.settlement_paid_at)};
}

void ExceptionWriter::add(const ExceptionRecord& record) {
    Row row = toRow(record);
    line_.clear();
    for (std::size_t i = 0; i < kExceptionColumns; ++i) {
        if (i > 0) {
            line_.push_back(',');
        }
        appendCsvField(line_, row[i]);
    }
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
        failed_ = true;
    }
    ++rows_;
    if (preview_.size() < preview_rows_) {
        preview_.push_back(std::move(row));
    }
}

Status ExceptionWriter::commit() {
    const std::string partial = path_ + ".partial";
    const bool flushed = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (failed_ || !flushed || !closed) {
        return Status(ErrorCode::internal, partial + ": write failed: " + std::strerror(errno));
    }
    if (std::rename(partial.c_str(), path_.c_str()) != 0) {
        return Status(ErrorCode::internal, path_ + ": rename failed: " + std::strerror(errno));
    }
    return Status::okStatus();
}

void ExceptionWriter::abandon() {
    if (file_ != nullptr) {
        std::fclose(file_);
        file_ = nullptr;
    }
    std::remove((path_ + ".partial").c_str());
}

}  // namespace claimgate::recon
