// File: small_csv_file.hpp
// Reads a small CSV file that people may edit (a manifest, the exception state file): header
// line required (a byte-order mark and CRLF endings accepted), every row with exactly the
// header's number of fields, at most `rows_max` rows. Errors name the file and line, never the
// line's content. For the big inputs of `match` see CsvFileReader.
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/recon/csv_field_splitter.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace claimgate::recon {

/// Calls `row(fields, line_number)` for each non-empty row after the header; a non-OK Status
/// from it stops the reading and is returned. A file that does not exist is `not_found`.
[[nodiscard]] protocols::Status readSmallCsvFile(
    const std::string& path, std::string_view header, std::size_t rows_max,
    const std::function<protocols::Status(const CsvFieldSplitter&, std::size_t)>& row);

/// "FILE:LINE: WHY" as a bad_field Status with file and line in the detail.
[[nodiscard]] protocols::Status csvLineError(const std::string& path, std::size_t line,
                                             const std::string& why);

}  // namespace claimgate::recon
