// File: settlement_manifest.hpp
// The operator/day settlement files a run expects (`match --manifest FILE`), checked against the
// files actually given: a file that has not arrived is the first thing finance staff must see,
// because every claim of that operator and day would otherwise look missing_in_settlement.
//
// Manifest format (UTF-8 CSV, header required): `operator,business_date` (YYYY-MM-DD). The
// expected file is named OPERATOR_YYYY-MM-DD.csv (as operators deliver them and gen-fixture
// writes them), in any of the --settlement directories.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace claimgate::recon {

inline constexpr std::string_view kManifestHeader = "operator,business_date";

struct ExpectedFile {
    std::string operator_name;
    std::string business_date;
    std::string file_name;  ///< OPERATOR_YYYY-MM-DD.csv
    bool arrived = false;
};

/// Reads the manifest; errors name the file and line.
[[nodiscard]] protocols::Result<std::vector<ExpectedFile>> readManifest(const std::string& path);

/// Marks each expected file that is among `settlement_files` (compared by file name).
void checkArrivals(std::vector<ExpectedFile>& expected,
                   const std::vector<std::string>& settlement_files);

}  // namespace claimgate::recon
