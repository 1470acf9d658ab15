// File: exception_writer.hpp
// Writes exceptions.csv (every exception, streamed) and keeps the first rows for report.html.
// The file is written as NAME.partial and renamed on commit(), so a run that stops halfway
// never leaves a complete-looking but partial exceptions.csv.
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/exception_sink.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace claimgate::recon {

inline constexpr std::size_t kExceptionColumns = 20;
/// The header of exceptions.csv.
extern const std::array<const char*, kExceptionColumns> kExceptionColumnNames;

/// Not thread-safe.
class ExceptionWriter final : public ExceptionSink {
public:
    using Row = std::array<std::string, kExceptionColumns>;

    [[nodiscard]] static protocols::Result<std::unique_ptr<ExceptionWriter>> open(
        const std::string& path, std::size_t preview_rows);
    ~ExceptionWriter() override;
    ExceptionWriter(const ExceptionWriter&) = delete;
    ExceptionWriter& operator=(const ExceptionWriter&) = delete;

    void add(const ExceptionRecord& record) override;
    /// Flushes, fsyncs and renames to the final name.
    [[nodiscard]] protocols::Status commit();
    /// Removes the partial file (after a failed run).
    void abandon();

    [[nodiscard]] const std::vector<Row>& preview() const noexcept { return preview_; }
    [[nodiscard]] std::uint64_t rows() const noexcept { return rows_; }

    /// The columns of one record, as written.
    [[nodiscard]] static Row toRow(const ExceptionRecord& record);

private:
    ExceptionWriter(std::FILE* file, std::string path, std::size_t preview_rows);

    std::FILE* file_;
    std::string path_;
    std::size_t preview_rows_;
    std::vector<Row> preview_;
    std::string line_;
    std::uint64_t rows_ = 0;
    bool failed_ = false;
};

}  // namespace claimgate::recon
