#include <claimgate/recon/exception_history.hpp>

#include <claimgate/recon/limits.hpp>
#include <claimgate/recon/report_writer.hpp>
#include <claimgate/recon/small_csv_file.hpp>

#include <filesystem>

namespace claimgate::recon {

using protocols::Result;
using protocols::Status;

namespace {

enum HistoryColumn : std::size_t {
    kClaimId = 0,
    kCategory,
    kOperator,
    kFirstSeen,
    kLastSeen,
    kAcknowledgedBy,
    kAcknowledgedAt,
    kNote,
    kHistoryColumns,
};

}  // namespace

Result<ExceptionHistory> ExceptionHistory::load(const std::string& path) {
    ExceptionHistory history;
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
        return history;  // the first run with this state file
    }
    Status read = readSmallCsvFile(
        path, kExceptionHistoryHeader, kExceptionRowsMax,
        [&](const CsvFieldSplitter& fields, std::size_t line) {
            const auto category = parseCategory(fields.field(kCategory));
            if (fields.field(kClaimId).empty() || !category) {
                return csvLineError(path, line,
                                    "claim_id empty or unknown category (the exception state "
                                    "file; fix it or move it away)");
            }
            // A spreadsheet may have kept the formula guard (') that exceptions.csv writes.
            const auto plain = [&](std::size_t column) {
                std::string_view text = fields.field(column);
                if (text.size() > 1 && text[0] == '\'') {
                    text.remove_prefix(1);
                }
                return std::string(text);
            };
            history.entries_[{plain(kClaimId), *category}] =
                HistoryEntry{plain(kOperator),       plain(kFirstSeen),      plain(kLastSeen),
                             plain(kAcknowledgedBy), plain(kAcknowledgedAt), plain(kNote)};
            return Status::okStatus();
        });
    if (!read.ok()) {
        return read;
    }
    return history;
}

const HistoryEntry* ExceptionHistory::find(std::string_view claim_id, Category category) const {
    const auto found = entries_.find({std::string(claim_id), category});
    return found == entries_.end() ? nullptr : &found->second;
}

void ExceptionHistory::carry(std::string_view claim_id, Category category,
                             std::string_view operator_name, const std::string& now) {
    Key key{std::string(claim_id), category};
    HistoryEntry entry;
    if (const auto found = entries_.find(key); found != entries_.end()) {
        entry = found->second;
    } else {
        entry.first_seen = now;
    }
    entry.operator_name = operator_name;
    entry.last_seen = now;
    carried_[std::move(key)] = std::move(entry);
}

std::size_t ExceptionHistory::acknowledge(std::string_view claim_id, const std::string& by,
                                          const std::string& note, const std::string& now) {
    std::size_t marked = 0;
    for (auto& [key, entry] : entries_) {
        if (key.first == claim_id) {
            entry.acknowledged_by = by;
            entry.acknowledged_at = now;
            entry.note = note;
            ++marked;
        }
    }
    return marked;
}

Status ExceptionHistory::save(const std::string& path, bool keep_all) const {
    std::string out(kExceptionHistoryHeader);
    out += '\n';
    for (const auto& [key, entry] : keep_all ? entries_ : carried_) {
        const std::string_view fields[kHistoryColumns] = {
            key.first,       categoryName(key.second), entry.operator_name,   entry.first_seen,
            entry.last_seen, entry.acknowledged_by,    entry.acknowledged_at, entry.note};
        for (std::size_t i = 0; i < kHistoryColumns; ++i) {
            if (i > 0) {
                out += ',';
            }
            appendCsvField(out, fields[i]);
        }
        out += '\n';
    }
    return writeFileAtomically(path, out);
}

}  // namespace claimgate::recon
