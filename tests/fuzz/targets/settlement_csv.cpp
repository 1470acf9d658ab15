// Fuzz target: operators' settlement files (contracts §11) through the real match engine, against
// a small fixed ledger export, plus the CSV field splitter and amount parser on their own.
// Properties: no crash; every exception the summary counts reached the sink; a parsed amount is
// within 0..kAmountMax and a split line never has more fields than the limit.
#include "fuzz_support.hpp"

#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/recon/csv_field_splitter.hpp>
#include <claimgate/recon/exception_sink.hpp>
#include <claimgate/recon/match_engine.hpp>
#include <claimgate/recon/resolution_sink.hpp>

using namespace claimgate;

namespace {

constexpr const char* kLedger =
    "claim_id,program,citizen_key,channel,operator,terminal_id,terminal_ref,amount,status,"
    "held_at,paid_at\n"
    "c_1,CASH2023,1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,atm,BANK004,"
    "atm-0001,T1,6000,paid,2023-04-10T10:00:00+08:00,2023-04-10T10:00:20+08:00\n"
    "c_2,CASH2023,2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,atm,BANK004,"
    "atm-0001,T2,6000,in_doubt,2023-04-10T10:00:00+08:00,\n"
    "c_3,CASH2023,3aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,kiosk,CVS711,"
    "kiosk-0001,T3,6000,voided,2023-04-10T10:00:00+08:00,\n";

class CountingExceptions final : public recon::ExceptionSink {
public:
    void add(const recon::ExceptionRecord&) override { ++count; }
    std::uint64_t count = 0;
};

class AcceptingResolutions final : public recon::ResolutionSink {
public:
    protocols::Status apply(std::span<const recon::Resolution> batch) override {
        applied += batch.size();
        return protocols::Status::okStatus();
    }
    protocols::Status finish() override { return protocols::Status::okStatus(); }
    std::uint64_t applied = 0;
};

void splitLines(std::string_view text) {
    recon::CsvFieldSplitter splitter;
    fuzz::FuzzReader lines(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    while (!lines.empty()) {
        const std::string_view line = lines.takeLine();
        const std::size_t fields = splitter.split(line);
        CG_ASSERT(fields <= recon::kCsvFieldsMax, "a split line respects the field limit");
        for (std::size_t i = 0; i < fields; ++i) {
            std::int64_t amount = -1;
            if (recon::parseAmount(splitter.field(i), amount)) {
                CG_ASSERT(amount >= 0 && amount <= protocols::kAmountMax,
                          "a parsed amount is within 0..kAmountMax");
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view settlement(reinterpret_cast<const char*>(data), size);
    splitLines(settlement);

    static const std::string ledger_path = fuzz::writeScratchFile("ledger.csv", kLedger);
    recon::MatchOptions options;
    options.ledger_path = ledger_path;
    options.settlement_paths = {fuzz::writeScratchFile("BANK004-20230410.csv", settlement)};
    options.closed_before_millis = 1'700'000'000'000;
    options.warn = [](const std::string&) {};
    recon::MatchEngine engine(std::move(options));
    CountingExceptions exceptions;
    AcceptingResolutions resolutions;
    if (!engine.read(exceptions).ok()) return 0;
    if (!engine.classify(exceptions, resolutions).ok()) return 0;
    const auto& summary = engine.summary();
    CG_ASSERT(summary.exception_count == exceptions.count,
              "every exception the summary counts reached the sink");
    CG_ASSERT(summary.ledger_records == 3, "the fixed ledger has three claims");
    return 0;
}
