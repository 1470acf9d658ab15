// The ledger-backed ResolutionSink for `match --apply`: each resolution becomes an audited
// ledger event (held | in_doubt -> paid | voided, actor "recon") through the same ClaimEngine
// the gateway's writer uses, one transaction per batch. It is compiled into the executable
// only, so claimgate::recon does not depend on the gateway.
#include <claimgate/recon/resolution_sink.hpp>

#include <claimgate/gateway/limits.hpp>

#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <cstdio>

namespace claimgate::recon {
namespace {

using protocols::ErrorCode;
using protocols::Status;

class LedgerResolutionSink final : public ResolutionSink {
public:
    explicit LedgerResolutionSink(const std::string& ledger_path)
        : store_(ledger_path),
          engine_(std::make_shared<gateway::SystemClock>(), nullptr,
                  gateway::kIdempotencyRetentionMillisDefault) {}

    Status apply(std::span<const Resolution> batch) override {
        try {
            store_.begin();
            engine_.beginBatch(store_);
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
                const auto reply = engine_.apply(store_, operation);
                // 409: a late commit or void got there first; the claim is no longer in doubt.
                if (reply.http_status == 200) {
                    ++applied_;
                } else {
                    ++skipped_;
                }
            }
            store_.commit();
        } catch (const std::exception& error) {
            store_.rollback();
            return Status(ErrorCode::internal, std::string("ledger update failed: ") + error.what());
        }
        return Status::okStatus();
    }

    Status finish() override {
        std::fprintf(stderr, "claimgate-recon: applied %llu resolutions, skipped %llu (no longer "
                             "in doubt)\n",
                     static_cast<unsigned long long>(applied_),
                     static_cast<unsigned long long>(skipped_));
        return Status::okStatus();
    }

private:
    gateway::SqliteLedgerStore store_;
    gateway::ClaimEngine engine_;
    std::uint64_t applied_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace

protocols::Result<ResolutionSinkPtr> makeLedgerResolutionSink(const std::string& data_dir) {
    try {
        return ResolutionSinkPtr(std::make_unique<LedgerResolutionSink>(data_dir + "/ledger.db"));
    } catch (const std::exception& error) {
        return Status(ErrorCode::internal, error.what());
    }
}

}  // namespace claimgate::recon
