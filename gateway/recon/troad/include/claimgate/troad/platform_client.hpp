// File: platform_client.hpp
// The payout platform's services over T-Road (contracts §8), as thin typed calls for
// `claimgate-recon pull` and `push`:
//
//   auto transport = PocoTroadTransport::create(PocoTroadTransportConfig::fromPkiDir(pki, ep));
//   auto config = PlatformClientConfig::fromPkiDir(pki);          // ids, keys, key ids
//   auto log = TransferLog::open(data_dir + "/transfer.log");
//   PlatformClient client(*transport, *config, *log);
//   std::string cursor = saved_cursor;
//   for (;;) {
//       auto page = client.fetchRosterPage("CASH2023", cursor, kRosterPageEntriesMax);
//       if (!page) return page.status();                // transport, X-Road, signature, ...
//       apply(page->value.entries); cursor = page->value.next_cursor; save(cursor);
//       if (page->value.done) break;
//   }
//
// Every call gets a fresh X-Road-Id, checks the platform's detached signature on the response
// (a missing or bad one fails the call with TroadFailure::bad_signature unless
// require_platform_signature is off) and records the exchange in the transfer log when one is
// given. No call throws. Thread-safe if the transport is.
#pragma once

#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/program.hpp>
#include <claimgate/protocols/status.hpp>
#include <claimgate/protocols/xroad_client_id.hpp>
#include <claimgate/protocols/xroad_request_builder.hpp>
#include <claimgate/protocols/xroad_service_id.hpp>
#include <claimgate/troad/claim_batch.hpp>
#include <claimgate/troad/payout_page.hpp>
#include <claimgate/troad/platform_reply.hpp>
#include <claimgate/troad/roster_page.hpp>
#include <claimgate/troad/transfer_log.hpp>
#include <claimgate/troad/troad_transport.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace claimgate::troad {

/// The gateway's default X-Road client id and the platform's service provider (simulator).
inline constexpr const char* kDefaultGatewayClientId = "TW/GOV/CLAIMGATE/gateway";
inline constexpr const char* kDefaultPlatformProvider = "TW/GOV/PLATFORM/disburse";
inline constexpr const char* kGatewayKeyId = "claimgate-gateway";
inline constexpr const char* kPlatformKeyId = "payout-platform";

struct PlatformClientConfig {
    protocols::XroadClientId client;
    /// INSTANCE/CLASS/MEMBER/SUBSYSTEM of the platform; service codes are appended per call.
    std::string provider = kDefaultPlatformProvider;
    /// Verifies response signatures (troad/platform.pem).
    std::shared_ptr<protocols::EcdsaVerifier> platform_verifier;
    std::string platform_key_id = kPlatformKeyId;
    bool require_platform_signature = true;
    /// Signs pushed batches (troad/client.key).
    std::shared_ptr<protocols::EcdsaSigner> gateway_signer;
    std::string gateway_key_id = kGatewayKeyId;
    /// X-Road-UserId for every call (the operator or job that runs recon), optional.
    std::optional<std::string> user_id;

    /// client = kDefaultGatewayClientId, verifier = PKI/troad/platform.pem,
    /// signer = PKI/troad/client.key. Errors name the file that failed to load.
    static protocols::Result<PlatformClientConfig> fromPkiDir(const std::string& pki_dir);
};

class PlatformClient {
public:
    /// `log` may be null (tests); production code always passes one.
    PlatformClient(TroadTransportPtr transport, PlatformClientConfig config,
                   std::shared_ptr<TransferLog> log);

    /// GET programs -> program objects (contracts §11 program file format), validated.
    protocols::Result<PlatformReply<std::vector<protocols::Program>>> listPrograms();

    /// GET rosters/{program}?cursor=&limit= ; limit is clamped to 1..kRosterPageEntriesMax.
    /// An empty cursor starts from the beginning; pass the last next_cursor to resume.
    protocols::Result<PlatformReply<RosterPage>> fetchRosterPage(const std::string& program,
                                                                 const std::string& cursor,
                                                                 std::size_t limit);

    /// GET payouts/{program}?cursor=&limit= ; limit clamped to 1..kPayoutPageEntriesMax.
    protocols::Result<PlatformReply<PayoutPage>> fetchPayoutPage(const std::string& program,
                                                                 const std::string& cursor,
                                                                 std::size_t limit);

    /// POST claims, signed with the gateway key; safe to repeat with the same batch (the
    /// platform answers a replay with the stored receipt). A batch id reused for a different
    /// body fails with idempotency_key_reused (TroadFailure::platform_error, http_status 409).
    protocols::Result<PlatformReply<ClaimBatchReceipt>> pushClaimBatch(const ClaimBatch& batch);

    [[nodiscard]] const PlatformClientConfig& config() const noexcept { return config_; }

private:
    struct Raw {
        std::string body;
        SignatureCheck signature;
        ExchangeRecord exchange;
    };
    protocols::Result<Raw> call(const std::string& service_code, protocols::XroadCall call);

    TroadTransportPtr transport_;
    PlatformClientConfig config_;
    std::shared_ptr<TransferLog> log_;
    protocols::XroadRequestBuilder builder_;
};

}  // namespace claimgate::troad
