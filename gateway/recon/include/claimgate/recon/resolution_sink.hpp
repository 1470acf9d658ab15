// File: resolution_sink.hpp
// The seam between reconciliation and the ledger for `match --apply` (contracts §5, §8): the match
// engine decides which in-doubt claims a settlement run resolves, a ResolutionSink makes each one
// a ledger event. The ledger-backed implementation belongs to the gateway; until it exists,
// `--apply` refuses to run (see makeLedgerResolutionSink()).
#pragma once

#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace claimgate::recon {

enum class ResolutionOutcome : std::uint8_t {
    paid,    ///< in_doubt -> paid: an operator's settlement file shows the payment
    voided,  ///< in_doubt -> voided: the settlement period closed without a payment
};

[[nodiscard]] std::string_view resolutionOutcomeName(ResolutionOutcome outcome) noexcept;

/// One in-doubt claim resolved by a settlement run, with its evidence.
struct Resolution {
    std::string claim_id;
    ResolutionOutcome outcome = ResolutionOutcome::voided;
    std::string reason;  ///< human text, goes into the ledger event
    // Evidence for `paid` (empty for `voided`): the settlement row that shows the payment.
    std::string settlement_file;
    std::uint64_t settlement_line = 0;
    std::string operator_name;
    std::string terminal_id;
    std::string terminal_ref;
    std::int64_t amount = 0;
    std::string paid_at;
};

/// Applies resolutions. Each apply() call is one batch (at most kResolutionBatchMax entries) and
/// should be one ledger transaction. A claim that is no longer in_doubt (a late commit or void
/// got there first) is not an error: the sink skips it. Not required to be thread-safe.
class ResolutionSink {
public:
    virtual ~ResolutionSink() = default;
    [[nodiscard]] virtual protocols::Status apply(std::span<const Resolution> batch) = 0;
    /// Called once after the last batch (flush, close).
    [[nodiscard]] virtual protocols::Status finish() = 0;
};
using ResolutionSinkPtr = std::unique_ptr<ResolutionSink>;

/// The ledger-backed sink for `--apply`: the store `ledger` names ("sqlite" = ledger.db in
/// `data_dir`, or a PostgreSQL URI), written through the ledger's batch driver. Linked into the
/// claimgate-recon executable from the ledger library.
[[nodiscard]] protocols::Result<ResolutionSinkPtr> makeLedgerResolutionSink(
    const std::string& data_dir, const std::string& ledger);

}  // namespace claimgate::recon
