// The ledger-backed ResolutionSink for `match --apply`. TODO(lead): replace this stub with one
// that opens the ledger in --data-dir and makes each resolution an audited ledger event
// (in_doubt -> paid | voided), one transaction per batch; it is compiled into the executable
// only, so claimgate::recon does not depend on the gateway.
#include <claimgate/recon/resolution_sink.hpp>

namespace claimgate::recon {

protocols::Result<ResolutionSinkPtr> makeLedgerResolutionSink(const std::string& data_dir) {
    return protocols::Status(protocols::ErrorCode::not_ready,
                             "--apply is not available yet (no ledger resolution sink in this "
                             "build; data dir " + data_dir + " left untouched)");
}

}  // namespace claimgate::recon
