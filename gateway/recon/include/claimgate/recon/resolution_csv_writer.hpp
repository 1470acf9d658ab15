// File: resolution_csv_writer.hpp
// A ResolutionSink that writes resolutions.csv (the list `--apply` would apply, so finance staff
// can review it first) and forwards each batch to another sink (the ledger) when given one.
#pragma once

#include <claimgate/recon/resolution_sink.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace claimgate::recon {

/// Not thread-safe.
class ResolutionCsvWriter final : public ResolutionSink {
public:
    /// `next` may be null (list only).
    [[nodiscard]] static protocols::Result<std::unique_ptr<ResolutionCsvWriter>> open(
        const std::string& path, ResolutionSink* next);
    ~ResolutionCsvWriter() override;
    ResolutionCsvWriter(const ResolutionCsvWriter&) = delete;
    ResolutionCsvWriter& operator=(const ResolutionCsvWriter&) = delete;

    [[nodiscard]] protocols::Status apply(std::span<const Resolution> batch) override;
    [[nodiscard]] protocols::Status finish() override;

private:
    ResolutionCsvWriter(std::FILE* file, std::string path, ResolutionSink* next);

    std::FILE* file_;
    std::string path_;
    ResolutionSink* next_;
    std::string line_;
};

}  // namespace claimgate::recon
