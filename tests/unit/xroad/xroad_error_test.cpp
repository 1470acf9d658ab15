// X-Road error recognition: the header decides, types compare in either spelling.
#include <claimgate/protocols/xroad_error.hpp>
#include <claimgate/protocols/xroad_response.hpp>

#include <gtest/gtest.h>

namespace claimgate::protocols {
namespace {

XroadHeaders errorHeaders(const std::string& type) {
    XroadHeaders headers;
    headers.add("Content-Type", "application/json;charset=utf-8");
    headers.add("x-road-error", type);
    return headers;
}

TEST(XroadErrorTest, LegacyAndSnakeCaseSpellingsAreTheSameType) {
    const XroadErrorType legacy("Server.ServerProxy.AccessDenied");
    const XroadErrorType snake("server.serverproxy.access_denied");
    EXPECT_EQ(legacy, snake);
    EXPECT_EQ(legacy.canonical(), "server.serverproxy.accessdenied");
    EXPECT_TRUE(snake.is(XroadErrorType::kAccessDenied));
    EXPECT_TRUE(legacy.is("SERVER.SERVERPROXY.ACCESS_DENIED"));
    EXPECT_FALSE(legacy.is(XroadErrorType::kUnknownService));
    EXPECT_FALSE(XroadErrorType("").is(""));
}

TEST(XroadErrorTest, NestedTypesHavePrefixesOnSegmentBoundariesOnly) {
    const XroadErrorType nested("server.serverproxy.service_failed.ssl_authentication_failed");
    EXPECT_TRUE(nested.hasPrefix(XroadErrorType::kServiceFailed));
    EXPECT_TRUE(nested.hasPrefix("Server.ServerProxy"));
    EXPECT_FALSE(nested.hasPrefix("Server.Server"));
    EXPECT_EQ(nested.origin(), XroadErrorOrigin::provider_server);
    EXPECT_EQ(XroadErrorType("Server.ClientProxy.IOError").origin(),
              XroadErrorOrigin::consumer_server);
    EXPECT_EQ(XroadErrorType("server.clientproxy.io_error"),
              XroadErrorType("Server.ClientProxy.IOError"));
    EXPECT_EQ(XroadErrorType("Client.BadRequest").origin(), XroadErrorOrigin::client);
}

TEST(XroadErrorTest, ParsesJsonBodyOfTheSecurityServer) {
    const std::string body = R"({"type":"Server.ServerProxy.NetworkError",)"
                             R"("message":"Connect to 10.1.2.3:8080 failed",)"
                             R"("detail":"9bc95b6e-2f1d-4a41-a7e6-11eda7d734d5"})";
    auto error = parseXroadError(500, errorHeaders("Server.ServerProxy.NetworkError"), body);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->http_status, 500);
    EXPECT_TRUE(error->type.is("server.serverproxy.network_error"));
    EXPECT_EQ(error->message, "Connect to 10.1.2.3:8080 failed");
    EXPECT_EQ(error->detail, "9bc95b6e-2f1d-4a41-a7e6-11eda7d734d5");
}

TEST(XroadErrorTest, SnakeCaseHeaderWithXmlBodyIsStillRecognised) {
    auto error = parseXroadError(
        500, errorHeaders("server.clientproxy.unknown_member"),
        "<error><type>server.clientproxy.unknown_member</type><message>x</message></error>");
    ASSERT_TRUE(error.has_value());
    EXPECT_TRUE(error->type.is(XroadErrorType::kUnknownMember));
    EXPECT_NE(error->message.find("<error>"), std::string::npos);
}

TEST(XroadErrorTest, ErrorStatusWithoutHeaderIsNotAnXroadError) {
    XroadResponse response;
    response.status = 409;
    response.headers.add("Content-Type", "application/json");
    response.body = R"({"error":{"code":"batch_id_reused"}})";
    EXPECT_FALSE(response.xroadError().has_value());
}

TEST(XroadErrorTest, OverlongBodyTextIsBounded) {
    auto error = parseXroadError(500, errorHeaders("Server.ServerProxy.InternalError"),
                                 std::string(100000, 'x'));
    ASSERT_TRUE(error.has_value());
    EXPECT_LE(error->message.size(), 2048U);
}

TEST(XroadHeadersTest, LookupIsCaseInsensitiveAndLastValueWins) {
    XroadHeaders headers;
    headers.add("X-Road-Client", "TW/GOV/A");
    headers.add("x-road-client", "TW/GOV/B");
    EXPECT_EQ(headers.get("X-ROAD-CLIENT"), "TW/GOV/B");
    headers.set("X-Road-Client", "TW/GOV/C");
    EXPECT_EQ(headers.size(), 1U);
    EXPECT_EQ(headers.get("x-road-client"), "TW/GOV/C");
    headers.remove("X-ROAD-client");
    EXPECT_FALSE(headers.contains("X-Road-Client"));
}

}  // namespace
}  // namespace claimgate::protocols
