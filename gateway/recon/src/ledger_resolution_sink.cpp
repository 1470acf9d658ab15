// The ledger-backed ResolutionSink for `match --apply`: each resolution becomes an audited
// ledger event (held | in_doubt -> paid | voided, actor "recon") through the same ClaimEngine
// and the same batch driver (runBatch) as the gateway's writer, one transaction per batch, on
// whichever backend `--ledger` names (sqlite in --data-dir, or PostgreSQL). It is compiled into
// the executable only, so claimgate::recon does not depend on the ledger.
#include <claimgate/recon/resolution_sink.hpp>

#include <claimgate/ledger/batch_runner.hpp>
#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/clock.hpp>
#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <cstdio>
#include <vector>

namespace claimgate::recon {
namespace {

using protocols::ErrorCode;
using protocols::Status;

class LedgerResolutionSink final : public ResolutionSink {
public:
    explicit LedgerResolutionSink(gateway::LedgerStorePtr store)
        : store_(std::move(store)),
          engine_(std::make_shared<gateway::SystemClock>(),
                  gateway::kIdempotencyRetentionMillisDefault) {}

    Status apply(std::span<const Resolution> batch) override {
        operations_.clear();
        for (const auto& resolution : batch) {
            gateway::ResolveOperation operation;
            operation.claim_id = resolution.claim_id;
            operation.outcome = resolution.outcome == ResolutionOutcome::paid
                                    ? protocols::ClaimStatus::paid
                                    : protocols::ClaimStatus::voided;
            operation.reason = resolution.reason;
            if (!resolution.settlement_file.empty()) {
                operation.reason += " [" + resolution.settlement_file + ":" +
                                    std::to_string(resolution.settlement_line) + "]";
            }
            operation.actor = "recon";
            if (resolution.outcome == ResolutionOutcome::paid) {
                // The settlement row's payment time and reference become the claim's, so the
                // ledger says when the cash left the terminal (contracts §11).
                operation.paid_at = protocols::parseRfc3339Millis(resolution.paid_at);
                operation.terminal_ref = resolution.terminal_ref;
            }
            operations_.push_back(std::move(operation));
        }
        // All or nothing: a resolution the database refuses stops the run with nothing of its
        // batch applied.
        const gateway::BatchResult result = gateway::runBatch(
            *store_, engine_, operations_, replies_, {}, gateway::OnRefusal::fail_batch);
        if (!result.committed) {
            return Status(ErrorCode::internal, "ledger update failed: " + result.error);
        }
        for (const auto& reply : replies_) {
            switch (reply.outcome) {
                case gateway::LedgerOutcome::done:
                case gateway::LedgerOutcome::unchanged:
                    ++applied_;
                    break;
                default:
                    // A late commit or void got there first; the claim is no longer in doubt.
                    ++skipped_;
                    break;
            }
        }
        return Status::okStatus();
    }

    Status finish() override {
        std::fprintf(stderr,
                     "claimgate-recon: applied %llu resolutions, skipped %llu (no longer "
                     "in doubt)\n",
                     static_cast<unsigned long long>(applied_),
                     static_cast<unsigned long long>(skipped_));
        return Status::okStatus();
    }

private:
    gateway::LedgerStorePtr store_;
    gateway::ClaimEngine engine_;
    std::vector<gateway::LedgerOperation> operations_;
    std::vector<gateway::LedgerReply> replies_;
    std::uint64_t applied_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace

protocols::Result<ResolutionSinkPtr> makeLedgerResolutionSink(const std::string& data_dir,
                                                              const std::string& ledger) {
    auto store = gateway::openLedgerStore(data_dir, ledger);
    if (!store) return store.status();
    return ResolutionSinkPtr(std::make_unique<LedgerResolutionSink>(std::move(store).value()));
}

}  // namespace claimgate::recon
