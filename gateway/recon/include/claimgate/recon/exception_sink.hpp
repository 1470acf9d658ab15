// File: exception_sink.hpp
// One row of exceptions.csv (an outcome other than matched / voided, or a malformed input line)
// and the seam the match engine writes them to.
#pragma once

#include <claimgate/recon/category.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace claimgate::recon {

/// Views are valid only during ExceptionSink::add(); copy what you keep.
struct ExceptionRecord {
    Category category = Category::malformed;
    std::string_view claim_id;
    std::string_view reason;
    // Ledger side (empty when the ledger has no such claim).
    std::uint64_t ledger_line = 0;  ///< 0 = unknown
    std::string_view program;
    std::string_view channel;
    std::string_view operator_name;
    std::string_view terminal_id;
    std::string_view terminal_ref;
    std::string_view ledger_status;
    std::optional<std::int64_t> ledger_amount;
    std::string_view held_at;
    std::string_view ledger_paid_at;
    // Settlement side (the row concerned, when there is one).
    std::string_view settlement_file;
    std::uint64_t settlement_line = 0;  ///< 0 = none
    std::string_view settlement_operator;
    std::string_view settlement_terminal_id;
    std::string_view settlement_terminal_ref;
    std::optional<std::int64_t> settlement_amount;
    std::string_view settlement_paid_at;
    /// Settled minus ledger amount where the two differ for the compared row (amount_mismatch,
    /// in_doubt_paid); unset otherwise.
    std::optional<std::int64_t> difference;
};

/// Receives exceptions in the order they are found. Called from the engine's thread only.
class ExceptionSink {
public:
    virtual ~ExceptionSink() = default;
    virtual void add(const ExceptionRecord& record) = 0;
};

}  // namespace claimgate::recon
