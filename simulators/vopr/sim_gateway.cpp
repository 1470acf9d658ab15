#include "sim_gateway.hpp"

#include <claimgate/gateway/claim_reply_renderer.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

namespace claimgate::vopr {
namespace {

constexpr std::size_t kCommitBatchMax = 16;
constexpr std::size_t kQueueDepthMax = 256;
constexpr std::int64_t kIdempotencyRetentionMillis = 7LL * 24 * 3600 * 1000;

sdk::HttpReply toHttp(const gateway::ServiceReply& reply) {
    return sdk::HttpReply{reply.http_status, reply.body, ""};
}

}  // namespace

SimGateway::SimGateway(std::string ledger_path, std::string pepper,
                       std::shared_ptr<gateway::ManualClock> clock, StoreFaults& faults)
    : ledger_path_(std::move(ledger_path)),
      pepper_(std::move(pepper)),
      clock_(std::move(clock)),
      faults_(faults) {
    store_ = std::make_unique<FaultyLedgerStore>(
        std::make_unique<gateway::SqliteLedgerStore>(ledger_path_), faults_);
    index_ = std::make_unique<gateway::EligibilityIndex>();
    index_->load(*store_);
    // No receipt signer: ECDSA signatures are randomised, and nothing here checks receipts.
    // Replies rendered on the engine's render thread, as the gateway runs it, so the injected
    // database faults also land while a batch's replies are being rendered (the bytes do not
    // depend on which thread renders them, so a seed still replays exactly).
    engine_ = std::make_unique<gateway::ClaimEngine>(clock_, kIdempotencyRetentionMillis,
                                                     gateway::ClaimReplyRenderer(nullptr),
                                                     /*render_in_background=*/true);
    committer_ = std::make_unique<gateway::GroupCommitter>(
        *store_, *engine_, kCommitBatchMax, kQueueDepthMax,
        [this](const std::vector<gateway::LedgerReply*>& replies) {
            for (const gateway::LedgerReply* reply : replies) {
                for (const auto& update : reply->index_updates) {
                    index_->applyClaimState(update.program, update.citizen_key, update.status,
                                            update.channel, update.since_millis);
                }
            }
        });
    // Reads (GET /v1/claims/{id}) on a connection of their own, as in the gateway; without the
    // injected faults, which model the writer's database.
    reader_ = std::make_unique<gateway::ClaimReader>(
        [path = ledger_path_]() -> protocols::Result<gateway::LedgerStorePtr> {
            try {
                return gateway::LedgerStorePtr(std::make_unique<gateway::SqliteLedgerStore>(path));
            } catch (const gateway::LedgerStoreError& error) {
                return protocols::Status(protocols::ErrorCode::internal, error.what());
            }
        });
    service_ = std::make_unique<gateway::ClaimService>(*index_, *committer_, *reader_, clock_,
                                                       pepper_, nullptr, metrics_);
}

SimGateway::~SimGateway() { close(); }

void SimGateway::close() {
    service_.reset();
    reader_.reset();
    if (committer_) committer_->stop();
    committer_.reset();
    engine_.reset();
    index_.reset();
    store_.reset();
}

void SimGateway::sweep() { (void)service_->sweepNow(); }

sdk::HttpReply SimGateway::handle(const gateway::TerminalIdentity& terminal,
                                  const sdk::HttpRequest& request) {
    std::optional<std::string> key;
    if (!request.idempotency_key.empty()) key = request.idempotency_key;
    const std::string& path = request.path;
    if (request.method == "POST" && path == "/v1/eligibility") {
        return toHttp(service_->eligibility(terminal, request.body));
    }
    if (request.method == "POST" && path == "/v1/claims") {
        return toHttp(service_->hold(terminal, key, request.body));
    }
    constexpr std::string_view kClaims = "/v1/claims/";
    if (path.rfind(kClaims, 0) == 0) {
        const std::string rest = path.substr(kClaims.size());
        const std::size_t slash = rest.find('/');
        const std::string claim_ref = rest.substr(0, slash);
        const std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
        if (request.method == "GET" && action.empty()) {
            return toHttp(service_->getClaim(terminal, claim_ref));
        }
        if (request.method == "POST" && action == "commit") {
            return toHttp(service_->commit(terminal, key, claim_ref, request.body));
        }
        if (request.method == "POST" && action == "void") {
            return toHttp(service_->voidClaim(terminal, key, claim_ref, request.body));
        }
    }
    return sdk::HttpReply{404, R"({"error":{"code":"not_found","message":"no such route"}})", ""};
}

}  // namespace claimgate::vopr
