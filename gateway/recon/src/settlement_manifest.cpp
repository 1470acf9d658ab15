#include <claimgate/recon/settlement_manifest.hpp>

#include <claimgate/recon/limits.hpp>
#include <claimgate/recon/small_csv_file.hpp>

#include <set>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

bool isDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return false;
    }
    for (const std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U}) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace

Result<std::vector<ExpectedFile>> readManifest(const std::string& path) {
    std::vector<ExpectedFile> expected;
    Status read = readSmallCsvFile(
        path, kManifestHeader, kManifestEntriesMax,
        [&](const CsvFieldSplitter& fields, std::size_t line) {
            const std::string_view op = fields.field(0);
            const std::string_view date = fields.field(1);
            if (op.empty() || op.size() > kOperatorLengthMax ||
                op.find_first_of("/\\") != std::string_view::npos) {
                return csvLineError(path, line, "operator is empty, too long or has a /");
            }
            if (!isDate(date)) {
                return csvLineError(path, line, "business_date is not YYYY-MM-DD");
            }
            expected.push_back(ExpectedFile{std::string(op), std::string(date),
                                            std::string(op) + "_" + std::string(date) + ".csv",
                                            false});
            return Status::okStatus();
        });
    if (!read.ok()) {
        return read;
    }
    return expected;
}

void checkArrivals(std::vector<ExpectedFile>& expected,
                   const std::vector<std::string>& settlement_files) {
    std::set<std::string, std::less<>> names;
    for (const std::string& file : settlement_files) {
        names.insert(file.substr(file.find_last_of('/') + 1));
    }
    for (ExpectedFile& file : expected) {
        file.arrived = names.count(file.file_name) > 0;
    }
}

}  // namespace claimgate::recon
