// `claimgate-recon push` (contracts §8, §11): sends the ledger's claims that changed since the
// platform's last receipt as signed claim batches over T-Road.
//
// The cursor is the claim_events seq in meta recon.push_cursor. A batch covers the claims touched
// by the events (cursor, cursor + batch size], each with its CURRENT state (findClaim), keyed by
// citizen_key (never a plaintext ID). Its batch_id is derived from that seq range and the bytes
// sent, so a retry after a lost answer is the same batch and the platform replays its receipt;
// the cursor moves only after a receipt for exactly that batch. Claims of platform channels
// (imported payouts) are not sent back: they came from the platform.
#include "commands.hpp"
#include "troad_link_options.hpp"

#include <claimgate/ledger/ledger_factory.hpp>

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/troad/platform_link.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <unordered_set>
#include <vector>

namespace claimgate::recon {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr const char* kPushUsage =
    "Sends the claims changed since the platform's last receipt (cursor recon.push_cursor in\n"
    "the ledger) as signed batches over T-Road. Safe to re-run: an unchanged range is the\n"
    "same batch; nothing new sends nothing.\n"
    "\n"
    "usage: claimgate-recon push --data-dir DIR --pki-dir DIR --troad https://HOST:PORT\n"
    "         [--ledger sqlite|postgresql://...] [--batch-size N] [--gateway-id ID]\n"
    "\n"
    "  --data-dir DIR      the gateway's data dir (required)\n"
    "  --pki-dir DIR       troad/client.pem/.key, troad/platform.pem, ca.pem (required)\n"
    "  --troad URL         the T-Road security server (required)\n"
    "  --ledger URI        sqlite or postgresql://... (default sqlite: DIR/ledger.db)\n"
    "  --batch-size N      ledger events' claims per batch (default 500, at most 2000)\n"
    "  --gateway-id ID     prefix of batch ids, up to 16 characters (default claimgate)\n";

constexpr const char* kPushCursorKey = "recon.push_cursor";
constexpr std::size_t kPushBatchSizeDefault = 500;
constexpr const char* kGatewayIdDefault = "claimgate";
/// Leaves room in the batch id for two seqs (20 digits each) and the 12-hex body tag.
constexpr std::size_t kGatewayIdLengthMax = 16;
constexpr std::size_t kBatchTagHexChars = 12;

struct PushTotals {
    std::uint64_t batches = 0;
    std::uint64_t claims_sent = 0;
    std::uint64_t claims_skipped = 0;  // platform channels (imported payouts)
    std::int64_t cursor = 0;
};

bool validGatewayId(const std::string& id) {
    if (id.empty() || id.size() > kGatewayIdLengthMax) return false;
    for (char c : id) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

troad::BatchClaim toBatchClaim(const gateway::ClaimRecord& claim) {
    troad::BatchClaim out;
    out.claim_id = claim.claim_id;
    out.program = claim.program;
    out.citizen_key = protocols::toHex(claim.citizen_key);
    out.channel = std::string(protocols::channelName(claim.channel));
    out.operator_id = claim.operator_id;
    out.terminal_id = claim.terminal_id;
    out.terminal_ref = claim.terminal_ref.value_or("");
    out.amount = claim.amount;
    out.status = std::string(protocols::claimStatusName(claim.status));
    out.held_at = protocols::formatRfc3339Millis(claim.held_at);
    if (claim.paid_at) out.paid_at = protocols::formatRfc3339Millis(*claim.paid_at);
    return out;
}

class Pusher {
public:
    Pusher(gateway::LedgerStore& store, troad::PlatformClient& client, std::string gateway_id,
           std::size_t batch_size)
        : store_(store),
          client_(client),
          gateway_id_(std::move(gateway_id)),
          batch_size_(batch_size) {}

    Status run() {
        try {
            const auto saved = store_.getMeta(kPushCursorKey);
            if (saved && !parseCount<std::int64_t>(*saved, 0, INT64_MAX, totals_.cursor)) {
                return Status(ErrorCode::internal, std::string("ledger meta ") + kPushCursorKey +
                                                       " is not a seq: '" + *saved + "'");
            }
            for (;;) {
                bool more = false;
                const Status status = pushNext(more);
                if (!status.ok() || !more) return status;
            }
        } catch (const std::exception& error) {
            return Status(ErrorCode::internal, std::string("ledger read failed: ") + error.what());
        }
    }

    [[nodiscard]] const PushTotals& totals() const { return totals_; }

private:
    /// One batch: the claims touched by the next batch_size_ events after the cursor.
    Status pushNext(bool& more) {
        std::int64_t first_seq = 0, last_seq = 0;
        std::vector<std::string> claim_ids;
        std::unordered_set<std::string> seen;
        store_.forEachEventAfter(totals_.cursor, batch_size_,
                                 [&](const gateway::ClaimEvent& event) {
                                     if (first_seq == 0) first_seq = event.seq;
                                     last_seq = event.seq;
                                     if (seen.insert(event.claim_id).second) {
                                         claim_ids.push_back(event.claim_id);
                                     }
                                     return true;
                                 });
        if (first_seq == 0) return Status::okStatus();  // nothing new
        more = true;
        // Batch accounting: the range starts right after the cursor and moves forward, or
        // claims would be skipped (never reconciled) or the cursor would go backwards.
        CG_ASSERT(first_seq > totals_.cursor && last_seq >= first_seq,
                  "a push batch must cover events after the cursor, in order");
        const std::uint64_t skipped_before = totals_.claims_skipped;

        troad::ClaimBatch batch;
        batch.gateway_id = gateway_id_;
        for (const auto& claim_id : claim_ids) {
            const auto claim = store_.findClaim(claim_id);
            if (!claim) {
                return Status(ErrorCode::internal, "claim_events names claim " + claim_id +
                                                       " that the claims table does not hold");
            }
            if (!protocols::isTerminalChannel(claim->channel)) {
                ++totals_.claims_skipped;
                continue;
            }
            batch.claims.push_back(toBatchClaim(*claim));
        }
        CG_ASSERT(
            batch.claims.size() + (totals_.claims_skipped - skipped_before) == claim_ids.size(),
            "every claim of the range is either sent or skipped as a platform payout");
        if (!batch.claims.empty()) {
            const Status sent = send(batch, first_seq, last_seq);
            if (!sent.ok()) return sent;
        }
        return advanceCursor(last_seq);
    }

    Status send(troad::ClaimBatch& batch, std::int64_t first_seq, std::int64_t last_seq) {
        // The id names the range; the tag over the claims' bytes keeps a retry of an unchanged
        // range identical (replayed receipt) while a range whose claims changed state since a
        // lost answer becomes a new batch instead of a 409 for a reused id.
        const std::string range_id =
            gateway_id_ + "-" + std::to_string(first_seq) + "-" + std::to_string(last_seq);
        batch.batch_id = range_id;
        auto body = batch.toJson();
        if (!body) return body.status();
        const std::string tag =
            protocols::toHex(protocols::sha256(*body)).substr(0, kBatchTagHexChars);
        batch.batch_id = range_id + "-" + tag;
        auto reply = client_.pushClaimBatch(batch);
        if (!reply) {
            return Status(reply.status().code(),
                          "batch " + batch.batch_id + " (events " + std::to_string(first_seq) +
                              ".." + std::to_string(last_seq) + "): " + reply.status().message());
        }
        const troad::ClaimBatchReceipt& receipt = reply->value;
        if (receipt.batch_id != batch.batch_id) {
            return Status(ErrorCode::bad_field, "the platform's receipt names batch " +
                                                    receipt.batch_id + ", we sent " +
                                                    batch.batch_id);
        }
        ++totals_.batches;
        totals_.claims_sent += batch.claims.size();
        std::printf("push: batch %s: %zu claims, platform accepted %lld at %s\n",
                    batch.batch_id.c_str(), batch.claims.size(),
                    static_cast<long long>(receipt.accepted), receipt.received_at.c_str());
        return Status::okStatus();
    }

    Status advanceCursor(std::int64_t last_seq) {
        try {
            store_.begin();
            store_.putMeta(kPushCursorKey, std::to_string(last_seq));
            store_.commit();
        } catch (const std::exception& error) {
            try {
                store_.rollback();
            } catch (const std::exception&) {
                // The connection is gone; the transaction died with it.
            }
            // The platform has the batch; the next push resends it and gets the stored receipt.
            return Status(ErrorCode::internal,
                          std::string("saving the push cursor failed: ") + error.what());
        }
        totals_.cursor = last_seq;
        return Status::okStatus();
    }

    gateway::LedgerStore& store_;
    troad::PlatformClient& client_;
    std::string gateway_id_;
    std::size_t batch_size_;
    PushTotals totals_;
};

}  // namespace

int runPush(int argc, char** argv) {
    TroadLinkOptions link;
    std::string batch_size_text;
    std::string gateway_id = kGatewayIdDefault;
    for (int i = 1; i < argc; ++i) {
        if (link.take(i, argc, argv) ||
            takeFlagValue(i, argc, argv, "--batch-size", batch_size_text) ||
            takeFlagValue(i, argc, argv, "--gateway-id", gateway_id)) {
            continue;
        }
        const bool help = std::strcmp(argv[i], "--help") == 0;
        std::fputs(kPushUsage, help ? stdout : stderr);
        return help ? kExitOk : kExitUsage;
    }
    std::size_t batch_size = kPushBatchSizeDefault;
    if (!link.complete() ||
        (!batch_size_text.empty() &&
         !parseCount<std::size_t>(batch_size_text, 1, troad::kClaimBatchClaimsMax, batch_size))) {
        std::fprintf(stderr, "claimgate-recon push: --batch-size must be 1..%zu\n%s",
                     troad::kClaimBatchClaimsMax, kPushUsage);
        return kExitUsage;
    }
    if (!validGatewayId(gateway_id)) {
        std::fprintf(stderr,
                     "claimgate-recon push: --gateway-id must be 1..%zu of [A-Za-z0-9._:-]\n",
                     kGatewayIdLengthMax);
        return kExitUsage;
    }
    auto store = gateway::openLedgerStore(link.data_dir, link.ledger);
    if (!store) {
        std::fprintf(stderr, "claimgate-recon push: %s\n", store.status().message().c_str());
        return kExitFailure;
    }
    auto client =
        troad::openPlatformClient(link.pki_dir, link.troad_url, transferLogPath(link.data_dir));
    if (!client) {
        std::fprintf(stderr, "claimgate-recon push: %s\n", client.status().message().c_str());
        return kExitFailure;
    }
    Pusher pusher(*store.value(), *client.value(), gateway_id, batch_size);
    const Status status = pusher.run();
    const PushTotals& totals = pusher.totals();
    std::printf(
        "push: %llu batches, %llu claims sent, %llu skipped (platform channels), cursor "
        "at event %lld%s\n",
        static_cast<unsigned long long>(totals.batches),
        static_cast<unsigned long long>(totals.claims_sent),
        static_cast<unsigned long long>(totals.claims_skipped),
        static_cast<long long>(totals.cursor),
        totals.batches == 0 && totals.claims_skipped == 0 && status.ok() ? " (nothing new)" : "");
    if (!status.ok()) {
        std::fprintf(stderr, "claimgate-recon push: %s (cursor left at event %lld)\n",
                     status.message().c_str(), static_cast<long long>(totals.cursor));
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace claimgate::recon
