// File: platform_client.cpp
#include <claimgate/troad/platform_client.hpp>

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/xroad_encoding.hpp>
#include <claimgate/troad/troad_failure.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace claimgate::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

Status failure(ErrorCode code, TroadFailure kind, std::string message,
               nlohmann::json detail = nlohmann::json::object()) {
    detail["troad_failure"] = std::string(troadFailureName(kind));
    return Status{code, std::move(message), std::move(detail)};
}

/// Wraps a decoder error: the platform sent something we cannot accept.
Status malformed(const Status& status, const ExchangeRecord& exchange) {
    nlohmann::json detail = status.detail();
    detail["x_road_id"] = exchange.x_road_id;
    detail["decode_error"] = std::string(protocols::errorCodeName(status.code()));
    return failure(status.code() == ErrorCode::body_too_large ? ErrorCode::body_too_large
                                                              : ErrorCode::malformed_json,
                   TroadFailure::malformed_reply,
                   exchange.service + " reply rejected: " + status.message(), std::move(detail));
}

std::string sha256Hex(std::string_view data) { return protocols::toHex(protocols::sha256(data)); }

/// A page limit outside 1..maximum is the caller's error, not something to clamp quietly.
Status checkLimit(std::size_t limit, std::size_t maximum) {
    if (limit >= 1 && limit <= maximum) return Status::okStatus();
    return Status(ErrorCode::bad_field, "page limit must be 1.." + std::to_string(maximum) +
                                            ", not " + std::to_string(limit));
}

}  // namespace

Result<PlatformClientConfig> PlatformClientConfig::fromPkiDir(const std::string& pki_dir) {
    PlatformClientConfig config;
    auto client = protocols::XroadClientId::parse(kDefaultGatewayClientId);
    if (!client) {
        return client.status();
    }
    config.client = std::move(client).value();
    auto verifier = protocols::EcdsaVerifier::fromPemFile(pki_dir + "/troad/platform.pem");
    if (!verifier) {
        return verifier.status();
    }
    config.platform_verifier = std::move(verifier).value();
    auto signer = protocols::EcdsaSigner::fromPemFile(pki_dir + "/troad/client.key");
    if (!signer) {
        return signer.status();
    }
    config.gateway_signer = std::move(signer).value();
    return config;
}

PlatformClient::PlatformClient(TroadTransportPtr transport, PlatformClientConfig config,
                               std::shared_ptr<TransferLog> log)
    : transport_(std::move(transport)),
      config_(std::move(config)),
      log_(std::move(log)),
      builder_(config_.client) {}

Result<PlatformClient::Raw> PlatformClient::call(const std::string& service_code,
                                                 protocols::XroadCall call) {
    auto service = protocols::XroadServiceId::parse(config_.provider + "/" +
                                                    protocols::percentEncodeSegment(service_code));
    if (!service) {
        return failure(ErrorCode::bad_field, TroadFailure::bad_request,
                       "bad platform provider id: " + service.status().message());
    }
    call.service = std::move(service).value();
    call.user_id = config_.user_id;
    auto request = builder_.build(call);
    if (!request) {
        return failure(request.status().code(), TroadFailure::bad_request,
                       request.status().message(), request.status().detail());
    }

    Raw raw;
    raw.exchange.x_road_id = request->x_road_id;
    raw.exchange.service = call.service.encoded();
    // Method and target are part of what was asked: two GETs of different pages must not hash
    // alike in the transfer log.
    raw.exchange.request_sha256 =
        sha256Hex(request->method + " " + request->target + "\n" + request->body);

    auto response = transport_->send(*request);
    if (!response) {
        nlohmann::json detail = response.status().detail();
        detail["x_road_id"] = raw.exchange.x_road_id;
        detail["service"] = raw.exchange.service;
        const auto kind = response.status().code() == ErrorCode::body_too_large
                              ? TroadFailure::malformed_reply
                              : TroadFailure::transport;
        return failure(response.status().code(), kind,
                       raw.exchange.service + ": " + response.status().message(),
                       std::move(detail));
    }
    raw.exchange.request_id = response->requestId();
    raw.exchange.request_hash = response->requestHash();
    raw.exchange.response_sha256 = sha256Hex(response->body);
    raw.exchange.http_status = response->status;

    // Record every exchange that produced a response, errors included: the log is evidence of
    // what was asked and answered, not only of what succeeded.
    if (log_) {
        auto logged = log_->append({raw.exchange.x_road_id, raw.exchange.service,
                                    raw.exchange.request_sha256, raw.exchange.response_sha256});
        if (!logged) {
            return failure(ErrorCode::internal, TroadFailure::bad_request,
                           "transfer log: " + logged.status().message());
        }
    }

    if (auto xroad_error = response->xroadError()) {
        return failure(ErrorCode::internal, TroadFailure::xroad_error,
                       raw.exchange.service + ": X-Road error " + xroad_error->type.raw() +
                           (xroad_error->message.empty() ? "" : ": " + xroad_error->message),
                       {{"xroad_error_type", xroad_error->type.raw()},
                        {"xroad_error_message", xroad_error->message},
                        {"xroad_error_detail", xroad_error->detail},
                        {"http_status", response->status},
                        {"x_road_id", raw.exchange.x_road_id}});
    }
    if (!response->isSuccess()) {
        // The platform's own error envelope {"error": {"code", "message"}}, if it sent one.
        ErrorCode code =
            response->status == 409 ? ErrorCode::idempotency_key_reused : ErrorCode::internal;
        std::string platform_code;
        std::string message = "HTTP " + std::to_string(response->status);
        const auto json = nlohmann::json::parse(response->body, nullptr, false);
        if (json.is_object() && json.contains("error") && json["error"].is_object()) {
            const auto& error = json["error"];
            if (error.contains("code") && error["code"].is_string()) {
                platform_code = error["code"].get<std::string>();
                if (auto known = protocols::parseErrorCode(platform_code)) {
                    code = *known;
                }
            }
            if (error.contains("message") && error["message"].is_string()) {
                message = error["message"].get<std::string>().substr(0, 512);
            }
        }
        return failure(code, TroadFailure::platform_error,
                       raw.exchange.service + ": platform refused: " + message,
                       {{"http_status", response->status},
                        {"platform_code", platform_code},
                        {"x_road_id", raw.exchange.x_road_id}});
    }

    const auto signature = response->headers.get(protocols::kClaimgateSignatureHeader);
    raw.signature.present = signature.has_value();
    raw.signature.key_id =
        response->headers.get(protocols::kClaimgateKeyIdHeader).value_or(std::string{});
    raw.signature.verified = signature && config_.platform_verifier &&
                             raw.signature.key_id == config_.platform_key_id &&
                             config_.platform_verifier->verifyBase64(response->body, *signature);
    if (config_.require_platform_signature && !raw.signature.verified) {
        return failure(
            ErrorCode::internal, TroadFailure::bad_signature,
            raw.exchange.service + (raw.signature.present
                                        ? ": platform signature does not verify (key id '" +
                                              raw.signature.key_id + "')"
                                        : ": platform response is not signed"),
            {{"x_road_id", raw.exchange.x_road_id}, {"key_id", raw.signature.key_id}});
    }
    raw.body = std::move(response).value().body;
    return raw;
}

Result<PlatformReply<std::vector<protocols::Program>>> PlatformClient::listPrograms() {
    auto raw = call("programs", {});
    if (!raw) {
        return raw.status();
    }
    const auto json = nlohmann::json::parse(raw->body, nullptr, false);
    const nlohmann::json* list = &json;
    if (json.is_object() && json.contains("programs")) {
        list = &json["programs"];
    }
    if (!list->is_array()) {
        return malformed(Status{ErrorCode::malformed_json, "program list must be a JSON array"},
                         raw->exchange);
    }
    if (list->size() > kPlatformProgramsMax) {
        return malformed(Status{ErrorCode::body_too_large, "too many programs"}, raw->exchange);
    }
    PlatformReply<std::vector<protocols::Program>> reply;
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto program = protocols::Program::fromJsonValue((*list)[i]);
        if (!program) {
            return malformed(
                Status{program.status().code(),
                       "programs[" + std::to_string(i) + "]: " + program.status().message(),
                       program.status().detail()},
                raw->exchange);
        }
        reply.value.push_back(std::move(program).value());
    }
    reply.signature = raw->signature;
    reply.exchange = raw->exchange;
    return reply;
}

Result<PlatformReply<RosterPage>> PlatformClient::fetchRosterPage(const std::string& program,
                                                                  const std::string& cursor,
                                                                  std::size_t limit) {
    if (auto bad = checkLimit(limit, kRosterPageEntriesMax); !bad.ok()) return bad;
    protocols::XroadCall request;
    request.path_segments = {program};
    request.query = {{"cursor", cursor}, {"limit", std::to_string(limit)}};
    auto raw = call("rosters", std::move(request));
    if (!raw) {
        return raw.status();
    }
    auto page = RosterPage::fromJson(raw->body);
    if (!page) {
        return malformed(page.status(), raw->exchange);
    }
    if (page->program != program || page->cursor != cursor) {
        return malformed(Status{ErrorCode::bad_field, "page is not the one asked for"},
                         raw->exchange);
    }
    return PlatformReply<RosterPage>{std::move(page).value(), raw->signature, raw->exchange};
}

Result<PlatformReply<PayoutPage>> PlatformClient::fetchPayoutPage(const std::string& program,
                                                                  const std::string& cursor,
                                                                  std::size_t limit) {
    if (auto bad = checkLimit(limit, kPayoutPageEntriesMax); !bad.ok()) return bad;
    protocols::XroadCall request;
    request.path_segments = {program};
    request.query = {{"cursor", cursor}, {"limit", std::to_string(limit)}};
    auto raw = call("payouts", std::move(request));
    if (!raw) {
        return raw.status();
    }
    auto page = PayoutPage::fromJson(raw->body);
    if (!page) {
        return malformed(page.status(), raw->exchange);
    }
    if (page->program != program || page->cursor != cursor) {
        return malformed(Status{ErrorCode::bad_field, "page is not the one asked for"},
                         raw->exchange);
    }
    return PlatformReply<PayoutPage>{std::move(page).value(), raw->signature, raw->exchange};
}

Result<PlatformReply<ClaimBatchReceipt>> PlatformClient::pushClaimBatch(const ClaimBatch& batch) {
    auto body = batch.toJson();
    if (!body) {
        return failure(body.status().code(), TroadFailure::bad_request, body.status().message(),
                       body.status().detail());
    }
    if (!config_.gateway_signer) {
        return failure(ErrorCode::internal, TroadFailure::bad_request,
                       "no gateway signing key configured for claim batches");
    }
    protocols::XroadCall request;
    request.method = "POST";
    request.content_type = "application/json";
    request.issue = batch.batch_id;
    request.extra_headers = {
        {std::string(protocols::kClaimgateSignatureHeader),
         config_.gateway_signer->signBase64(body.value())},
        {std::string(protocols::kClaimgateKeyIdHeader), config_.gateway_key_id}};
    request.body = std::move(body).value();
    auto raw = call("claims", std::move(request));
    if (!raw) {
        return raw.status();
    }
    auto receipt = ClaimBatchReceipt::fromJson(raw->body);
    if (!receipt) {
        return malformed(receipt.status(), raw->exchange);
    }
    if (receipt->batch_id != batch.batch_id) {
        return malformed(Status{ErrorCode::bad_field, "receipt names another batch"},
                         raw->exchange);
    }
    return PlatformReply<ClaimBatchReceipt>{std::move(receipt).value(), raw->signature,
                                            raw->exchange};
}

}  // namespace claimgate::troad
