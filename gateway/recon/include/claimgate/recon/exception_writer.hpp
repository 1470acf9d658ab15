// File: exception_writer.hpp
// Writes exceptions.csv and one exceptions-OPERATOR.csv per operator (to send to each bank,
// chain or post office), grouped and sorted for people: by category in review order (see
// categoryReviewRank), then operator and claim id. Rows are streamed to a scratch file
// while matching (about 50 bytes each stay in memory for sorting) and written sorted on commit();
// a run that stops leaves neither a complete-looking partial file nor the scratch behind.
// With an ExceptionHistory (match --state), every row is marked with when it was first listed
// and who acknowledged it, and the history learns what this run listed.
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/exception_history.hpp>
#include <claimgate/recon/exception_sink.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace claimgate::recon {

inline constexpr std::size_t kExceptionColumns = 23;
/// The header of exceptions.csv.
extern const std::array<const char*, kExceptionColumns> kExceptionColumnNames;
/// Columns report.html reads from a row.
enum ExceptionColumn : std::size_t {
    kExcClaimId = 0,
    kExcCategory = 1,
    kExcReason = 2,
    kExcLedgerLine = 3,
    kExcOperator = 6,
    kExcTerminalId = 7,
    kExcLedgerStatus = 9,
    kExcLedgerAmount = 10,
    kExcSettlementFile = 13,
    kExcSettlementLine = 14,
    kExcSettlementAmount = 18,
    kExcDifference = 20,
    kExcFirstSeen = 21,
    kExcAcknowledgedBy = 22,
};

/// Not thread-safe.
class ExceptionWriter final : public ExceptionSink {
public:
    using Row = std::array<std::string, kExceptionColumns>;
    struct OperatorFile {
        std::string operator_name;
        std::string file;  ///< name only, beside exceptions.csv
        std::uint64_t rows = 0;
    };
    struct Marks {
        std::uint64_t new_rows = 0;      ///< not listed by an earlier run
        std::uint64_t carried_rows = 0;  ///< listed before, not acknowledged
        std::uint64_t acknowledged_rows = 0;
    };

    /// `history` (may be null) marks rows and learns this run's exceptions; `now` is the run's
    /// time (RFC 3339) recorded as first_seen of new ones.
    [[nodiscard]] static protocols::Result<std::unique_ptr<ExceptionWriter>> open(
        const std::string& path, ExceptionHistory* history = nullptr, std::string now = {});
    ~ExceptionWriter() override;
    ExceptionWriter(const ExceptionWriter&) = delete;
    ExceptionWriter& operator=(const ExceptionWriter&) = delete;

    void add(const ExceptionRecord& record) override;
    /// Writes exceptions.csv and the per-operator files sorted, fsyncs, renames into place.
    [[nodiscard]] protocols::Status commit();
    /// Removes the partial files (after a failed run).
    void abandon();

    /// After commit(): up to kHtmlExceptionRowsPerCategory rows of each category, in file
    /// order, kHtmlExceptionRowsMax in all.
    [[nodiscard]] const std::vector<Row>& preview() const noexcept { return preview_; }
    [[nodiscard]] const std::vector<OperatorFile>& operatorFiles() const noexcept {
        return operator_files_;
    }
    [[nodiscard]] const Marks& marks() const noexcept { return marks_; }
    [[nodiscard]] std::uint64_t rows() const noexcept { return keys_.size(); }

    /// The columns of one record, as written (history columns empty).
    [[nodiscard]] static Row toRow(const ExceptionRecord& record);
    /// "exceptions-BANK004.csv" (characters other than A-Z a-z 0-9 - _ become _).
    [[nodiscard]] static std::string operatorFileName(const std::string& operator_name);

private:
    struct SortKey {
        std::uint64_t offset = 0;  ///< of the row in the scratch file
        std::uint32_t length = 0;
        std::uint32_t operator_index = 0;  ///< into operators_; kNoOperator for bad lines
        std::uint32_t id_offset = 0;       ///< claim id (then terminal id) in ids_
        std::uint16_t id_length = 0;
        std::uint8_t rank = 0;
    };
    static constexpr std::uint32_t kNoOperator = 0xFFFF'FFFFU;

    ExceptionWriter(std::FILE* scratch, std::string path, ExceptionHistory* history,
                    std::string now);
    [[nodiscard]] protocols::Status writeSorted(const std::string& path,
                                                const std::vector<std::size_t>& order,
                                                const char* rows);
    void buildPreview(const std::vector<std::size_t>& order, const char* rows);

    std::FILE* scratch_;
    std::string path_;
    ExceptionHistory* history_;
    std::string now_;
    std::vector<SortKey> keys_;
    std::string ids_;
    std::vector<std::string> operators_;
    std::uint64_t scratch_bytes_ = 0;
    std::vector<Row> preview_;
    std::vector<OperatorFile> operator_files_;
    Marks marks_;
    std::string line_;
    bool failed_ = false;
};

}  // namespace claimgate::recon
