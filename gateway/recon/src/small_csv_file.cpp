#include <claimgate/recon/small_csv_file.hpp>

#include <claimgate/recon/limits.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Status;

Status csvLineError(const std::string& path, std::size_t line, const std::string& why) {
    return Status(ErrorCode::bad_field, path + ":" + std::to_string(line) + ": " + why,
                  {{"file", path}, {"line", line}});
}

Status readSmallCsvFile(const std::string& path, std::string_view header, std::size_t rows_max,
                        const std::function<Status(const CsvFieldSplitter&, std::size_t)>& row) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Status(ErrorCode::not_found, path + ": cannot open: " + std::strerror(errno));
    }
    const auto fields = static_cast<std::size_t>(std::count(header.begin(), header.end(), ',')) + 1;
    CsvFieldSplitter splitter;
    std::string line;
    std::size_t number = 0;
    std::size_t rows = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (number == 1) {
            if (normaliseHeader(line) != header) {
                return csvLineError(path, number, "header must be `" + std::string(header) + "`");
            }
            continue;
        }
        if (line.empty()) {
            continue;
        }
        if (++rows > rows_max || line.size() > kCsvLineBytesMax) {
            return csvLineError(path, number,
                                "more than " + std::to_string(rows_max) +
                                    " rows or a line longer than " +
                                    std::to_string(kCsvLineBytesMax) + " bytes");
        }
        if (splitter.split(line) != fields) {
            return csvLineError(
                path, number,
                "expected " + std::to_string(fields) + " fields (" + std::string(header) + ")");
        }
        if (Status status = row(splitter, number); !status.ok()) {
            return status;
        }
    }
    return Status::okStatus();
}

}  // namespace claimgate::recon
