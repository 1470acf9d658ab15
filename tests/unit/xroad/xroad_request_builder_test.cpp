// Golden X-Road REST requests: segment encoding, headers, fresh X-Road-Id per call.
#include <claimgate/protocols/xroad_encoding.hpp>
#include <claimgate/protocols/xroad_id.hpp>
#include <claimgate/protocols/xroad_limits.hpp>
#include <claimgate/protocols/xroad_request_builder.hpp>

#include <gtest/gtest.h>

#include <set>

namespace claimgate::protocols {
namespace {

XroadClientId gatewayClient() {
    return XroadClientId::make("TW", "GOV", "CLAIMGATE", std::string("gateway")).value();
}

XroadServiceId platformService(const std::string& code) {
    return XroadServiceId::make("TW", "GOV", "PLATFORM", "disburse", code).value();
}

TEST(XroadEncodingTest, SlashInsideSegmentBecomesPercent2F) {
    EXPECT_EQ(percentEncodeSegment("BAR/SERVICE"), "BAR%2FSERVICE");
}

TEST(XroadEncodingTest, SpacesAndReservedCharactersAreEncoded) {
    EXPECT_EQ(percentEncodeSegment("a b"), "a%20b");
    EXPECT_EQ(percentEncodeSegment("a+b?c#d&e=f%"), "a%2Bb%3Fc%23d%26e%3Df%25");
    EXPECT_EQ(percentEncodeSegment("Az09-._~"), "Az09-._~");
}

TEST(XroadEncodingTest, Utf8BytesAreEncodedOneByOne) {
    // "發放" in UTF-8: E7 99 BC E6 94 BE
    EXPECT_EQ(percentEncodeSegment("\xE7\x99\xBC\xE6\x94\xBE"), "%E7%99%BC%E6%94%BE");
}

TEST(XroadEncodingTest, DecodeRoundTripsAndRejectsBadEscapes) {
    const std::string original = "x/y z\xE7\x99\xBC%";
    EXPECT_EQ(percentDecode(percentEncodeSegment(original)), original);
    EXPECT_FALSE(percentDecode("%2").has_value());
    EXPECT_FALSE(percentDecode("%zz").has_value());
    EXPECT_FALSE(percentDecode("abc%").has_value());
}

TEST(XroadEncodingTest, SplitEncodedPathKeepsEncodedSlashInsideSegment) {
    auto segments = splitEncodedPath("TW/GOV/A%2FB/sub");
    ASSERT_TRUE(segments.has_value());
    ASSERT_EQ(segments->size(), 4U);
    EXPECT_EQ((*segments)[2], "A/B");
}

TEST(XroadEncodingTest, QueryEncodesKeysAndValuesAndDecodesBack) {
    const std::vector<std::pair<std::string, std::string>> query = {
        {"cursor", "a&b=c"}, {"limit", "500"}, {"empty", ""}};
    const std::string encoded = encodeQuery(query);
    EXPECT_EQ(encoded, "cursor=a%26b%3Dc&limit=500&empty=");
    EXPECT_EQ(decodeQuery(encoded), query);
}

TEST(XroadRequestBuilderTest, GoldenRosterPageRequest) {
    XroadRequestBuilder builder(gatewayClient());
    XroadCall call;
    call.service = platformService("rosters");
    call.path_segments = {"CASH 2023/b"};
    call.query = {{"cursor", ""}, {"limit", "500"}};
    auto request = builder.build(call, "11111111-2222-4333-8444-555555555555");
    ASSERT_TRUE(request.ok()) << request.status().message();
    EXPECT_EQ(request->method, "GET");
    EXPECT_EQ(request->target,
              "/r1/TW/GOV/PLATFORM/disburse/rosters/CASH%202023%2Fb?cursor=&limit=500");
    EXPECT_EQ(request->headers.get("x-road-client"), "TW/GOV/CLAIMGATE/gateway");
    EXPECT_EQ(request->headers.get("X-Road-Id"), "11111111-2222-4333-8444-555555555555");
    EXPECT_EQ(request->headers.get("Accept"), "application/json");
    EXPECT_FALSE(request->headers.contains("Content-Type"));
    EXPECT_FALSE(request->headers.contains("X-Road-UserId"));
}

TEST(XroadRequestBuilderTest, ServiceAndClientSegmentsAreEncodedSeparately) {
    auto client = XroadClientId::make("TW", "GOV", "MEMBER/1", std::string("sub system"));
    ASSERT_TRUE(client.ok());
    EXPECT_EQ(client->headerValue(), "TW/GOV/MEMBER%2F1/sub%20system");
    auto parsed = XroadClientId::parse(client->headerValue());
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, *client);

    XroadCall call;
    call.service = XroadServiceId::make("TW", "GOV", "PLATFORM", "disburse", "BAR/SERVICE").value();
    EXPECT_EQ(XroadRequestBuilder::targetFor(call), "/r1/TW/GOV/PLATFORM/disburse/BAR%2FSERVICE");
}

TEST(XroadRequestBuilderTest, PostCarriesBodyUserIdIssueAndSignatureHeaders) {
    XroadRequestBuilder builder(gatewayClient());
    XroadCall call;
    call.method = "POST";
    call.service = platformService("claims");
    call.body = R"({"batch_id":"b1"})";
    call.user_id = "TWgateway-01";
    call.issue = "batch b1";
    call.extra_headers = {{std::string(kClaimgateSignatureHeader), "c2ln"},
                          {std::string(kClaimgateKeyIdHeader), "claimgate-gateway"}};
    auto request = builder.build(call);
    ASSERT_TRUE(request.ok()) << request.status().message();
    EXPECT_EQ(request->body, call.body);
    EXPECT_EQ(request->headers.get("content-type"), "application/json");
    EXPECT_EQ(request->headers.get("X-Road-UserId"), "TWgateway-01");
    EXPECT_EQ(request->headers.get("X-Road-Issue"), "batch b1");
    EXPECT_EQ(request->headers.get("X-Claimgate-Signature"), "c2ln");
    EXPECT_EQ(request->headers.get("X-Claimgate-Key-Id"), "claimgate-gateway");
    EXPECT_TRUE(isUuidText(request->x_road_id));
    EXPECT_EQ(request->headers.get("X-Road-Id"), request->x_road_id);
}

TEST(XroadRequestBuilderTest, RejectsHeaderInjectionAndXroadHeaderOverride) {
    XroadRequestBuilder builder(gatewayClient());
    XroadCall call;
    call.service = platformService("programs");
    call.issue = "a\r\nX-Evil: 1";
    EXPECT_EQ(builder.build(call).status().code(), ErrorCode::bad_field);

    call.issue.reset();
    call.extra_headers = {{"x-road-client", "TW/GOV/SOMEONE/else"}};
    EXPECT_EQ(builder.build(call).status().code(), ErrorCode::bad_field);
}

TEST(XroadRequestBuilderTest, RejectsUnknownMethodAndOverlongTarget) {
    XroadRequestBuilder builder(gatewayClient());
    XroadCall call;
    call.service = platformService("programs");
    call.method = "BREW";
    EXPECT_FALSE(builder.build(call).ok());
    call.method = "GET";
    call.path_segments = {std::string(3000, 'x')};
    EXPECT_FALSE(builder.build(call).ok());
}

TEST(XroadRequestBuilderTest, EveryCallGetsAFreshVersion4XroadId) {
    XroadRequestBuilder builder(gatewayClient());
    XroadCall call;
    call.service = platformService("programs");
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        auto request = builder.build(call);
        ASSERT_TRUE(request.ok());
        ASSERT_TRUE(isUuidText(request->x_road_id));
        EXPECT_EQ(request->x_road_id[14], '4');  // version nibble
        const char variant = request->x_road_id[19];
        EXPECT_TRUE(variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
        ids.insert(request->x_road_id);
    }
    EXPECT_EQ(ids.size(), 1000U);
}

TEST(XroadClientIdTest, ParseAcceptsThreeOrFourSegmentsOnly) {
    EXPECT_TRUE(XroadClientId::parse("TW/GOV/CLAIMGATE").ok());
    EXPECT_TRUE(XroadClientId::parse("TW/GOV/CLAIMGATE/gateway").ok());
    EXPECT_FALSE(XroadClientId::parse("TW/GOV").ok());
    EXPECT_FALSE(XroadClientId::parse("TW/GOV/A/b/c").ok());
    EXPECT_FALSE(XroadClientId::parse("TW//CLAIMGATE").ok());
    EXPECT_FALSE(XroadClientId::parse("TW/GOV/%zz").ok());
}

TEST(XroadServiceIdTest, ParseNeedsFiveSegments) {
    auto id = XroadServiceId::parse("TW/GOV/PLATFORM/disburse/rosters");
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->serviceCode(), "rosters");
    EXPECT_EQ(id->encoded(), "TW/GOV/PLATFORM/disburse/rosters");
    EXPECT_FALSE(XroadServiceId::parse("TW/GOV/PLATFORM/rosters").ok());
}

// Raw non-ASCII bytes are accepted on input but percent-encoded on output (three bytes each):
// an id that fits the header limit only unencoded is refused, so every id we accept parses
// again from the header we would send (a finding of make fuzz, xroad).
TEST(XroadClientIdTest, IdTooLongOncePercentEncodedIsRefused) {
    const std::string raw(200, '\xC3');  // 200 bytes read, 600 sent
    const std::string fits = "TW/GOV/" + raw;
    auto accepted = XroadClientId::parse(fits);
    ASSERT_TRUE(accepted.ok()) << accepted.status().message();
    EXPECT_TRUE(XroadClientId::parse(accepted->headerValue()).ok());
    const std::string too_long = "TW/" + raw + "/" + raw;  // 403 bytes read, 1203 sent
    ASSERT_LE(too_long.size(), kXroadHeaderValueLengthMax);
    EXPECT_FALSE(XroadClientId::parse(too_long).ok());
    EXPECT_FALSE(XroadServiceId::parse("TW/GOV/" + raw + "/" + raw + "/x").ok());
}

}  // namespace
}  // namespace claimgate::protocols
