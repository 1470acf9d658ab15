// File: fixture_generator.hpp
// Deterministic ledger export + settlement files for tests and the benchmark
// (`claimgate-recon gen-fixture`). Same claims, seed and days give byte-identical files.
//
// The mix per claim (out of 10,000): 9,400 paid and settled once; 20 settled with another
// amount; 30 paid but never settled; 40 settled twice; 300 voided; 10 voided yet settled;
// 60 in doubt and settled; 60 in doubt, not settled; 30 still held and settled; 50 held, not
// settled. Plus one settlement row in 2,000 for a claim id the ledger does not know. Six
// operators over three channels; one settlement file per operator and business day, rows
// shuffled within each file.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <string>

namespace claimgate::recon {

struct FixtureOptions {
    std::uint64_t claims = 1000;
    std::uint64_t seed = 1;
    std::uint32_t days = 7;
    std::string out_dir;  ///< gets ledger.csv and settlement/<OPERATOR>_<YYYY-MM-DD>.csv
};

struct FixtureStats {
    std::uint64_t ledger_rows = 0;
    std::uint64_t settlement_rows = 0;
    std::uint64_t settlement_files = 0;
    std::uint64_t bytes = 0;
};

/// Writes the fixture. Not thread-safe.
class FixtureGenerator {
public:
    explicit FixtureGenerator(FixtureOptions options);
    [[nodiscard]] protocols::Result<FixtureStats> run();

private:
    FixtureOptions options_;
};

}  // namespace claimgate::recon
