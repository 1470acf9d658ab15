// Helpers for the recon unit tests: CSV lines, sinks that collect, a match run.
#pragma once

#include <claimgate/recon/exception_sink.hpp>
#include <claimgate/recon/exception_writer.hpp>
#include <claimgate/recon/match_engine.hpp>
#include <claimgate/recon/resolution_sink.hpp>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace claimgate::recon::test {

inline constexpr const char* kLedgerHeader =
    "claim_id,program,citizen_key,channel,operator,terminal_id,terminal_ref,amount,status,"
    "held_at,paid_at\n";
inline constexpr const char* kSettlementHeader =
    "operator,terminal_id,terminal_ref,claim_id,amount,paid_at\n";

inline std::string citizenKey(int n) {
    std::string key(64, 'a');
    const std::string digits = std::to_string(n);
    key.replace(0, digits.size(), digits);
    return key;
}

/// One ledger line.
inline std::string ledgerLine(const std::string& claim_id, const std::string& status,
                              long amount = 6000, const std::string& channel = "atm",
                              const std::string& op = "BANK004",
                              const std::string& held_at = "2023-04-10T10:00:00+08:00") {
    static int next = 0;
    return claim_id + ",CASH2023," + citizenKey(++next) + "," + channel + "," + op +
           ",atm-0001,T1," + std::to_string(amount) + "," + status + "," + held_at + "," +
           (status == "paid" ? "2023-04-10T10:00:20+08:00" : "") + "\n";
}

inline std::string settlementLine(const std::string& claim_id, long amount = 6000,
                                  const std::string& op = "BANK004") {
    return op + ",atm-0001,T1," + claim_id + "," + std::to_string(amount) +
           ",2023-04-10T10:00:20+08:00\n";
}

class CollectingExceptions final : public ExceptionSink {
public:
    void add(const ExceptionRecord& record) override {
        rows.push_back(ExceptionWriter::toRow(record));
        categories.push_back(record.category);
    }
    [[nodiscard]] std::size_t count(Category category) const {
        return static_cast<std::size_t>(std::count(categories.begin(), categories.end(), category));
    }
    std::vector<ExceptionWriter::Row> rows;
    std::vector<Category> categories;
};

class CollectingResolutions final : public ResolutionSink {
public:
    protocols::Status apply(std::span<const Resolution> batch) override {
        ++batches;
        resolutions.insert(resolutions.end(), batch.begin(), batch.end());
        return protocols::Status::okStatus();
    }
    protocols::Status finish() override {
        finished = true;
        return protocols::Status::okStatus();
    }
    std::vector<Resolution> resolutions;
    int batches = 0;
    bool finished = false;
};

using ::claimgate::testing::TempDir;

/// Runs read + classify; the Status of whichever failed first.
struct RunResult {
    protocols::Status status;
    MatchSummary summary;
    CollectingExceptions exceptions;
    CollectingResolutions resolutions;
    [[nodiscard]] std::uint64_t count(Category category) const {
        return summary.totals[static_cast<std::size_t>(category)].count;
    }
};

inline RunResult runMatch(const std::string& ledger, const std::vector<std::string>& settlement,
                          MatchOptions options = {}) {
    RunResult result;
    options.ledger_path = ledger;
    auto files = expandSettlementPaths(settlement);
    if (!files.ok()) {
        result.status = files.status();
        return result;
    }
    options.settlement_paths = files.value();
    MatchEngine engine(options);
    result.status = engine.read(result.exceptions);
    if (result.status.ok()) {
        result.status = engine.classify(result.exceptions, result.resolutions);
    }
    result.summary = engine.summary();
    return result;
}

}  // namespace claimgate::recon::test
