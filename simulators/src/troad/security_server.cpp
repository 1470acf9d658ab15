// File: security_server.cpp
#include "troad/security_server.hpp"

#include "troad/troad_sim_limits.hpp"

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/xroad_encoding.hpp>
#include <claimgate/protocols/xroad_error.hpp>
#include <claimgate/protocols/xroad_headers.hpp>
#include <claimgate/protocols/xroad_id.hpp>
#include <claimgate/protocols/xroad_service_id.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/X509Certificate.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <istream>
#include <optional>

namespace claimgate::simulators::troad {

namespace {

using protocols::XroadErrorType;

constexpr std::string_view kPlatformKeyId = "payout-platform";
constexpr std::string_view kGatewayKeyId = "claimgate-gateway";
constexpr std::string_view kProviderInstance = "TW";
constexpr std::string_view kProviderClass = "GOV";
constexpr std::string_view kProviderMember = "PLATFORM";
constexpr std::string_view kProviderSubsystem = "disburse";

// Headers a security server drops from the serialized request it hashes (RestMessage
// SKIPPED_HEADERS); the client's own X-Road-Request-Id is replaced by the SS's.
constexpr std::array<std::string_view, 14> kSkippedHeaders = {"transfer-encoding",
                                                              "keep-alive",
                                                              "proxy-authenticate",
                                                              "proxy-authorization",
                                                              "te",
                                                              "trailer",
                                                              "upgrade",
                                                              "connection",
                                                              "user-agent",
                                                              "host",
                                                              "content-length",
                                                              "server",
                                                              "expect",
                                                              "x-road-request-id"};

struct Reply {
    int status = 200;
    std::string body;
    bool sign = false;
};

Reply platformError(int status, const std::string& code, const std::string& message) {
    return {status, nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(),
            false};
}

std::string sha512(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha512(), nullptr);
    return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

bool isSkipped(const std::string& name) {
    return std::any_of(
        kSkippedHeaders.begin(), kSkippedHeaders.end(),
        [&](std::string_view skipped) { return protocols::headerNameEquals(name, skipped); });
}

/// Last value of a header (a security server uses the last X-Road-Client if several came).
std::optional<std::string> lastHeader(const Poco::Net::HTTPServerRequest& request,
                                      std::string_view name) {
    std::optional<std::string> value;
    for (const auto& [key, text] : request) {
        if (protocols::headerNameEquals(key, name)) {
            value = text;
        }
    }
    return value;
}

struct Paging {
    std::size_t offset = 0;
    std::size_t limit = 0;
};

std::optional<Paging> parsePaging(const std::vector<std::pair<std::string, std::string>>& query,
                                  std::size_t size, std::size_t page_size, Reply& error) {
    Paging paging{0, page_size};
    for (const auto& [key, value] : query) {
        if (key == "cursor" && !value.empty()) {
            std::size_t offset = 0;
            const auto [end, ec] =
                std::from_chars(value.data(), value.data() + value.size(), offset);
            if (ec != std::errc{} || end != value.data() + value.size() || offset > size) {
                error = platformError(400, "bad_field", "cursor is not one this platform issued");
                return std::nullopt;
            }
            paging.offset = offset;
        } else if (key == "limit" && !value.empty()) {
            std::size_t limit = 0;
            const auto [end, ec] =
                std::from_chars(value.data(), value.data() + value.size(), limit);
            if (ec != std::errc{} || end != value.data() + value.size() || limit == 0 ||
                limit > kPageEntriesMax) {
                error = platformError(400, "bad_field",
                                      "limit must be 1.." + std::to_string(kPageEntriesMax));
                return std::nullopt;
            }
            paging.limit = std::min(limit, page_size);  // the platform's page size is a maximum
        }
    }
    return paging;
}

class SecurityServerHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit SecurityServerHandler(std::shared_ptr<const SimContext> context)
        : context_(std::move(context)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        try {
            handle(request, response);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "troad: request failed: %s\n", e.what());
            if (!response.sent()) {
                sendXroadError(response, request, std::string(XroadErrorType::kInternalError),
                               "internal error in the simulator");
            }
        }
    }

private:
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
        const std::string& uri = request.getURI();
        if (uri.size() > kTargetLengthMax) {
            return sendXroadError(response, request, std::string(XroadErrorType::kInvalidRequest),
                                  "Request URI too long");
        }
        const auto question = uri.find('?');
        const std::string path = uri.substr(0, question);
        const std::string query = question == std::string::npos ? "" : uri.substr(question + 1);

        auto segments = protocols::splitEncodedPath(path);
        if (!segments || segments->size() < 2 || !(*segments)[0].empty() ||
            (*segments)[1].size() < 2 || (*segments)[1][0] != 'r' ||
            !std::all_of((*segments)[1].begin() + 1, (*segments)[1].end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
            return sendXroadError(response, request, std::string(XroadErrorType::kInvalidRequest),
                                  "Not an X-Road REST request: the path must start with /r1/");
        }
        if ((*segments)[1] != "r1") {
            return sendXroadError(response, request, std::string(XroadErrorType::kInvalidRequest),
                                  "Unsupported X-Road REST protocol version '" + (*segments)[1] +
                                      "': this security server speaks r1");
        }

        const auto client_header = lastHeader(request, protocols::kXroadClientHeader);
        if (!client_header || client_header->empty()) {
            return sendXroadError(response, request,
                                  std::string(XroadErrorType::kInvalidClientIdentifier),
                                  "The client identifier is missing");
        }
        auto client = protocols::XroadClientId::parse(*client_header);
        if (!client) {
            return sendXroadError(response, request,
                                  std::string(XroadErrorType::kInvalidClientIdentifier),
                                  "Invalid client identifier: " + client.status().message());
        }
        if (segments->size() < 7) {
            return sendXroadError(response, request, std::string(XroadErrorType::kInvalidRequest),
                                  "Invalid REST request path: need /r1/INSTANCE/CLASS/MEMBER/"
                                  "SUBSYSTEM/SERVICE");
        }
        const std::string client_text = "SUBSYSTEM:" + client->headerValue();
        if (!(*client == context_->registered_client)) {
            return sendXroadError(response, request, std::string(XroadErrorType::kUnknownMember),
                                  "Client '" + client_text + "' not found");
        }
        const std::string peer_cn = peerCommonName(request);
        if (peer_cn != context_->options.client_cn) {
            return sendXroadError(
                response, request, std::string(XroadErrorType::kSslAuthenticationFailed),
                "Client (" + client_text +
                    ") specifies HTTPS but the TLS certificate presented is not registered for it");
        }

        const auto& s = *segments;
        auto service = protocols::XroadServiceId::make(s[2], s[3], s[4], s[5], s[6]);
        const std::vector<std::string> service_path(s.begin() + 7, s.end());
        const std::string service_text =
            service ? "SERVICE:" + service->encoded() : "SERVICE:(invalid)";
        const bool provider_ok = service && service->instance() == kProviderInstance &&
                                 service->memberClass() == kProviderClass &&
                                 service->memberCode() == kProviderMember &&
                                 service->subsystem() == kProviderSubsystem;
        const std::string code = service ? service->serviceCode() : std::string{};
        if (!provider_ok ||
            (code != "programs" && code != "rosters" && code != "payouts" && code != "claims")) {
            return sendXroadError(response, request, std::string(XroadErrorType::kUnknownService),
                                  "Unknown service: " + service_text);
        }
        const std::string& method = request.getMethod();
        const bool method_ok = code == "claims" ? method == "POST" : method == "GET";
        if (!method_ok) {
            return sendXroadError(response, request, std::string(XroadErrorType::kAccessDenied),
                                  "Request is not allowed: " + method + " " + service_text);
        }

        // The request is an X-Road message now: give it its ids before the platform sees it.
        const std::string x_road_id = lastHeader(request, protocols::kXroadIdHeader)
                                          .value_or("TW-" + protocols::newXroadId());
        const std::string request_id = protocols::newXroadId();

        std::string body;
        Reply reply;
        if (!readBody(request, body)) {
            reply = platformError(
                413, "body_too_large",
                "request body larger than " + std::to_string(kRequestBodyBytesMax) + " bytes");
        } else {
            auto decoded_query = protocols::decodeQuery(query);
            if (!decoded_query) {
                reply = platformError(400, "bad_field", "query string has a bad escape");
            } else {
                reply = serve(code, service_path, *decoded_query, request, body,
                              client->headerValue(), x_road_id);
            }
        }

        const std::string request_hash =
            requestHash(request, path, query, x_road_id, request_id, body);
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
        response.setContentType("application/json;charset=utf-8");
        response.set("x-road-id", x_road_id);
        response.set("x-road-client", client->headerValue());
        response.set("x-road-service", service->encoded());
        response.set("x-road-request-id", request_id);
        response.set("x-road-request-hash", request_hash);
        if (reply.sign) {
            response.set(std::string(protocols::kClaimgateSignatureHeader),
                         context_->platform_signer->signBase64(reply.body));
            response.set(std::string(protocols::kClaimgateKeyIdHeader),
                         std::string(kPlatformKeyId));
        }
        response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
        std::fprintf(stderr, "troad: %s %s -> %d (x-road-id %s)\n", method.c_str(), path.c_str(),
                     reply.status, x_road_id.c_str());
        response.sendBuffer(reply.body.data(), reply.body.size());
    }

    Reply serve(const std::string& code, const std::vector<std::string>& service_path,
                const std::vector<std::pair<std::string, std::string>>& query,
                const Poco::Net::HTTPServerRequest& request, const std::string& body,
                const std::string& client, const std::string& x_road_id) const {
        const auto& data = context_->data;
        if (code == "programs") {
            if (!service_path.empty()) {
                return platformError(404, "not_found", "programs takes no path");
            }
            return {200, data.programs.dump(), true};
        }
        if (code == "claims") {
            if (!service_path.empty()) {
                return platformError(404, "not_found", "claims takes no path");
            }
            return acceptClaims(request, body, client, x_road_id);
        }
        if (service_path.size() != 1) {
            return platformError(404, "not_found", code + "/{program} expected");
        }
        const std::string& program = service_path[0];
        if (!data.hasProgram(program)) {
            return platformError(404, "unknown_program", "no such program");
        }
        const bool rosters = code == "rosters";
        const std::size_t size =
            rosters ? data.rosters.at(program).size() : data.payouts.at(program).size();
        Reply error;
        auto paging = parsePaging(query, size, context_->options.page_size, error);
        if (!paging) {
            return error;
        }
        const std::size_t end = std::min(size, paging->offset + paging->limit);
        std::string cursor;
        for (const auto& [key, value] : query) {
            if (key == "cursor") {
                cursor = value;
            }
        }
        // next_cursor always names the end of this page, so a finished pull can resume later
        // and pick up entries the platform appends afterwards. Encoded by the same codec the
        // gateway decodes with.
        const std::string next_cursor = std::to_string(end);
        if (rosters) {
            claimgate::troad::RosterPage page{program, cursor, next_cursor, end >= size, {}};
            for (std::size_t i = paging->offset; i < end; ++i) {
                page.entries.push_back(data.rosters.at(program)[i].toEntry());
            }
            return {200, page.toJson(), true};
        }
        claimgate::troad::PayoutPage page{program, cursor, next_cursor, end >= size, {}};
        for (std::size_t i = paging->offset; i < end; ++i) {
            page.payouts.push_back(data.payouts.at(program)[i].toPayout());
        }
        return {200, page.toJson(), true};
    }

    Reply acceptClaims(const Poco::Net::HTTPServerRequest& request, const std::string& body,
                       const std::string& client, const std::string& x_road_id) const {
        const auto signature = lastHeader(request, protocols::kClaimgateSignatureHeader);
        const auto key_id = lastHeader(request, protocols::kClaimgateKeyIdHeader);
        if (!signature || signature->empty()) {
            return platformError(401, "signature_missing",
                                 "claim batches must carry X-Claimgate-Signature");
        }
        if (!key_id || *key_id != kGatewayKeyId) {
            return platformError(401, "unknown_key_id", "X-Claimgate-Key-Id names no known key");
        }
        if (!context_->gateway_verifier->verifyBase64(body, *signature)) {
            return platformError(401, "signature_invalid",
                                 "X-Claimgate-Signature does not verify over the body");
        }
        const auto answer = context_->intake->submit(body, client, x_road_id);
        return {answer.http_status, answer.body, answer.http_status == 200};
    }

    static bool readBody(Poco::Net::HTTPServerRequest& request, std::string& body) {
        if (request.hasContentLength() &&
            request.getContentLength64() > static_cast<Poco::Int64>(kRequestBodyBytesMax)) {
            return false;
        }
        std::istream& in = request.stream();
        std::array<char, 16 * 1024> chunk{};
        while (in) {
            in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            const auto count = static_cast<std::size_t>(in.gcount());
            if (body.size() + count > kRequestBodyBytesMax) {
                return false;
            }
            body.append(chunk.data(), count);
        }
        return true;
    }

    /// base64(SHA-512(SHA-512(headers) || SHA-512(body))), or base64(SHA-512(headers)) without
    /// a body, over the serialized request as the SS sees it (PR-REST §4.3).
    static std::string requestHash(const Poco::Net::HTTPServerRequest& request,
                                   const std::string& path, const std::string& query,
                                   const std::string& x_road_id, const std::string& request_id,
                                   const std::string& body) {
        std::string serialized =
            request.getMethod() + "\r\n" + path + (query.empty() ? "" : "?" + query) + "\r\n";
        for (const auto& [name, value] : request) {
            if (!isSkipped(name) && !protocols::headerNameEquals(name, protocols::kXroadIdHeader)) {
                serialized += name + ":" + value + "\r\n";
            }
        }
        serialized += "x-road-id:" + x_road_id + "\r\n";
        serialized += "x-road-request-id:" + request_id + "\r\n";
        const std::string header_digest = sha512(serialized);
        return protocols::base64Encode(body.empty() ? header_digest
                                                    : sha512(header_digest + sha512(body)));
    }

    static std::string peerCommonName(Poco::Net::HTTPServerRequest& request) {
        auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(request);
        Poco::Net::SecureStreamSocket socket(impl.socket());
        if (!socket.havePeerCertificate()) {
            return {};
        }
        return socket.peerCertificate().commonName();
    }

    void sendXroadError(Poco::Net::HTTPServerResponse& response,
                        const Poco::Net::HTTPServerRequest& request, const std::string& legacy_type,
                        const std::string& message) const {
        const std::string type = context_->options.error_spelling == ErrorSpelling::snake
                                     ? snakeCaseXroadErrorType(legacy_type)
                                     : legacy_type;
        const std::string detail = protocols::newXroadId();
        // Server.* faults are 500, everything else 400 (ClientRestMessageHandler).
        const int status = protocols::XroadErrorType(type).hasPrefix("Server") ? 500 : 400;
        const std::string accept = request.get("Accept", "");
        std::string body;
        if (accept.find("text/xml") != std::string::npos ||
            accept.find("application/xml") != std::string::npos) {
            response.setContentType("text/xml;charset=utf-8");
            body = "<error><type>" + type + "</type><message>" + message + "</message><detail>" +
                   detail + "</detail></error>";
        } else {
            response.setContentType("application/json;charset=utf-8");
            body = nlohmann::json{{"type", type}, {"message", message}, {"detail", detail}}.dump();
        }
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        response.set(std::string(protocols::kXroadErrorHeader), type);
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        std::fprintf(stderr, "troad: %s %s -> %d X-Road-Error %s\n", request.getMethod().c_str(),
                     request.getURI().substr(0, 200).c_str(), status, type.c_str());
        response.sendBuffer(body.data(), body.size());
    }

    std::shared_ptr<const SimContext> context_;
};

}  // namespace

std::string snakeCaseXroadErrorType(const std::string& legacy_type) {
    std::string out;
    std::size_t start = 0;
    bool prefix = true;
    while (start <= legacy_type.size()) {
        const auto dot = legacy_type.find('.', start);
        const std::string segment =
            legacy_type.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!out.empty()) {
            out.push_back('.');
        }
        // The prefixes become one lower-case word ("serverproxy"); codes become snake_case.
        prefix = prefix && (segment == "Server" || segment == "Client" || segment == "Signer" ||
                            segment == "ClientProxy" || segment == "ServerProxy");
        for (std::size_t i = 0; i < segment.size(); ++i) {
            const auto c = static_cast<unsigned char>(segment[i]);
            if (!prefix && std::isupper(c) && i > 0) {
                const auto previous = static_cast<unsigned char>(segment[i - 1]);
                const bool next_lower = i + 1 < segment.size() &&
                                        std::islower(static_cast<unsigned char>(segment[i + 1]));
                if (std::islower(previous) || std::isdigit(previous) ||
                    (std::isupper(previous) && next_lower)) {
                    out.push_back('_');
                }
            }
            out.push_back(static_cast<char>(std::tolower(c)));
        }
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    return out;
}

Poco::Net::HTTPRequestHandler* SecurityServerHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
    return new SecurityServerHandler(context_);
}

}  // namespace claimgate::simulators::troad
