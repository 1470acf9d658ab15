#include <claimgate/recon/resolution_csv_writer.hpp>

#include <claimgate/recon/csv_field_splitter.hpp>

#include <cerrno>
#include <cstring>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {
constexpr const char* kHeader =
    "claim_id,outcome,reason,settlement_file,settlement_line,operator,terminal_id,terminal_ref,"
    "amount,paid_at\n";
}

Result<std::unique_ptr<ResolutionCsvWriter>> ResolutionCsvWriter::open(const std::string& path,
                                                                       ResolutionSink* next) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        return Status(ErrorCode::internal, path + ": cannot create: " + std::strerror(errno));
    }
    std::fputs(kHeader, file);
    return std::unique_ptr<ResolutionCsvWriter>(new ResolutionCsvWriter(file, path, next));
}

ResolutionCsvWriter::ResolutionCsvWriter(std::FILE* file, std::string path, ResolutionSink* next)
    : file_(file), path_(std::move(path)), next_(next) {}

ResolutionCsvWriter::~ResolutionCsvWriter() {
    if (file_ != nullptr) {
        std::fclose(file_);
    }
}

Status ResolutionCsvWriter::apply(std::span<const Resolution> batch) {
    for (const Resolution& r : batch) {
        const bool paid = r.outcome == ResolutionOutcome::paid;
        line_.clear();
        appendCsvField(line_, r.claim_id);
        line_ += ',';
        line_ += resolutionOutcomeName(r.outcome);
        line_ += ',';
        appendCsvField(line_, r.reason);
        line_ += ',';
        appendCsvField(line_, r.settlement_file);
        line_ += ',';
        line_ += paid ? std::to_string(r.settlement_line) : std::string();
        for (const std::string* field : {&r.operator_name, &r.terminal_id, &r.terminal_ref}) {
            line_ += ',';
            appendCsvField(line_, *field);
        }
        line_ += ',';
        line_ += paid ? std::to_string(r.amount) : std::string();
        line_ += ',';
        appendCsvField(line_, r.paid_at);
        line_ += '\n';
        if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
            return Status(ErrorCode::internal, path_ + ": write failed: " + std::strerror(errno));
        }
    }
    return next_ != nullptr ? next_->apply(batch) : Status::okStatus();
}

Status ResolutionCsvWriter::finish() {
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!closed) {
        return Status(ErrorCode::internal, path_ + ": write failed: " + std::strerror(errno));
    }
    return next_ != nullptr ? next_->finish() : Status::okStatus();
}

}  // namespace claimgate::recon
