// Pieces of `claimgate-sim load` that decide what its report says: the latency histogram's
// percentiles, the error-code extraction, the reply parser, and the option rules.
#include "load/error_tally.hpp"
#include "load/http_reply_parser.hpp"
#include "load/latency_histogram.hpp"
#include "load/load_options.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::simulators {
namespace {

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
    const LatencyHistogram histogram;
    EXPECT_EQ(histogram.count(), 0u);
    EXPECT_EQ(histogram.percentileMicros(0.99), 0u);
    EXPECT_EQ(histogram.maxMicros(), 0u);
}

TEST(LatencyHistogramTest, PercentilesAreWithinTwoPercentOfTheTrueValue) {
    LatencyHistogram histogram;
    for (std::uint64_t micros = 1; micros <= 100'000; ++micros) histogram.record(micros);
    for (const double quantile : {0.5, 0.9, 0.99, 0.999}) {
        const double truth = quantile * 100'000.0;
        const auto reported = static_cast<double>(histogram.percentileMicros(quantile));
        EXPECT_GE(reported, truth) << quantile;  // a bucket's upper bound, never optimistic
        EXPECT_LE(reported, truth * 1.02) << quantile;
    }
    EXPECT_EQ(histogram.percentileMicros(1.0), 100'000u);
    EXPECT_EQ(histogram.maxMicros(), 100'000u);
    EXPECT_NEAR(histogram.meanMicros(), 50'000.5, 0.01);
}

TEST(LatencyHistogramTest, BucketsAreContiguousAndCoverTheirValues) {
    const std::uint64_t values[] = {
        0, 1, 63, 64, 65, 127, 128, 1'000'000, LatencyHistogram::kValueMaxMicros};
    for (const std::uint64_t value : values) {
        const std::size_t bucket = LatencyHistogram::bucketOf(value);
        ASSERT_LT(bucket, LatencyHistogram::kBuckets) << value;
        EXPECT_GE(LatencyHistogram::bucketHighMicros(bucket), value) << value;
        if (bucket > 0) {
            EXPECT_LT(LatencyHistogram::bucketHighMicros(bucket - 1), value) << value;
        }
    }
    // Values beyond the range are clamped into the last bucket, not dropped.
    LatencyHistogram histogram;
    histogram.record(~std::uint64_t{0});
    EXPECT_EQ(histogram.count(), 1u);
    EXPECT_EQ(histogram.maxMicros(), LatencyHistogram::kValueMaxMicros);
}

TEST(LatencyHistogramTest, MergeAddsCountsAndKeepsTheMaximum) {
    LatencyHistogram a, b;
    a.record(10);
    b.record(5000);
    b.record(20);
    a.merge(b);
    EXPECT_EQ(a.count(), 3u);
    EXPECT_EQ(a.maxMicros(), 5000u);
    EXPECT_EQ(a.percentileMicros(0.5), 20u);
}

TEST(ErrorTallyTest, CountsTheGatewayErrorCodeOrTheHttpStatus) {
    ErrorTally tally;
    tally.addReply(409, R"({"error":{"code":"already_claimed","detail":{"status":"paid"}}})");
    tally.addReply(409, R"({"error":{"code":"already_claimed","message":"x"}})");
    tally.addReply(502, "<html>bad gateway</html>");
    tally.add("timeout");
    std::map<std::string, std::uint64_t> counts;
    tally.mergeInto(counts);
    EXPECT_EQ(tally.total(), 4u);
    EXPECT_EQ(counts["already_claimed"], 2u);
    EXPECT_EQ(counts["http_502"], 1u);
    EXPECT_EQ(counts["timeout"], 1u);
}

TEST(ErrorTallyTest, ExtraCodesBeyondTheTableCountAsOther) {
    ErrorTally tally;
    for (std::size_t i = 0; i < kLoadErrorCodesMax + 3; ++i) tally.add("code_" + std::to_string(i));
    std::map<std::string, std::uint64_t> counts;
    tally.mergeInto(counts);
    EXPECT_EQ(counts["other"], 3u);
    EXPECT_EQ(tally.total(), kLoadErrorCodesMax + 3);
}

TEST(JsonStringFieldTest, FindsTopLevelFieldsOfCompactReplies) {
    const std::string body =
        R"({"amount":6000,"claim_code":"K7","claim_id":"c-123","status":"held"})";
    EXPECT_EQ(jsonStringField(body, "claim_id"), "c-123");
    EXPECT_EQ(jsonStringField(body, "status"), "held");
    EXPECT_EQ(jsonStringField(body, "claim"), "");   // a prefix of another key is not a match
    EXPECT_EQ(jsonStringField(body, "amount"), "");  // not a string
}

TEST(GatewayUrlTest, AcceptsLoopbackOnly) {
    auto https = parseGatewayUrl("https://127.0.0.1:8443");
    ASSERT_TRUE(https.ok());
    EXPECT_TRUE(https->tls);
    EXPECT_EQ(https->port, 8443);
    auto plain = parseGatewayUrl("http://localhost:9000/");
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(plain->tls);
    EXPECT_TRUE(parseGatewayUrl("http://[::1]:9000").ok());
    EXPECT_TRUE(parseGatewayUrl("http://127.8.9.10:9000").ok());

    EXPECT_FALSE(parseGatewayUrl("http://192.0.2.1:9000").ok());
    EXPECT_FALSE(parseGatewayUrl("https://example.com:443").ok());
    EXPECT_FALSE(parseGatewayUrl("http://127.0.0.1").ok());  // no port
    EXPECT_FALSE(parseGatewayUrl("ftp://127.0.0.1:21").ok());
    EXPECT_FALSE(parseGatewayUrl("http://127.0.0.1:70000").ok());
}

TEST(GatewayUrlTest, TheHostHeaderBracketsAnIpv6Literal) {
    EXPECT_EQ(hostHeader(parseGatewayUrl("http://[::1]:9000").value()), "[::1]:9000");
    EXPECT_EQ(hostHeader(parseGatewayUrl("https://127.0.0.1:8443/").value()), "127.0.0.1:8443");
    EXPECT_EQ(hostHeader(parseGatewayUrl("http://localhost:9000").value()), "localhost:9000");
}

TEST(LoadOptionsTest, IoThreadsAreBoundedAndDefaultToOne) {
    auto parse = [](std::vector<std::string> words) {
        std::vector<char*> argv;
        for (auto& word : words) argv.push_back(word.data());
        return parseLoadOptions(static_cast<int>(argv.size()), argv.data());
    };
    const std::vector<std::string> base = {"load", "--gateway", "http://127.0.0.1:9000", "--roster",
                                           "r.csv"};
    auto plain = parse(base);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->options.io_threads, 1);
    auto with = base;
    with.insert(with.end(), {"--io-threads", "3"});
    auto three = parse(with);
    ASSERT_TRUE(three.ok());
    EXPECT_EQ(three->options.io_threads, 3);
    for (const char* bad : {"0", "17", "two", ""}) {
        auto words = base;
        words.insert(words.end(), {"--io-threads", bad});
        EXPECT_FALSE(parse(words).ok()) << bad;
    }
}

using ReplyState = ParsedHttpReply::State;

TEST(HttpReplyParserTest, ReadsStatusBodyAndKeepAliveInPlace) {
    const std::string bytes =
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\ncontent-length: 9\r\n\r\n"
        "{\"a\":\"b\"}";
    const auto reply = parseHttpReply(bytes, 1024);
    ASSERT_EQ(reply.state, ReplyState::complete);
    EXPECT_EQ(reply.status, 201);
    EXPECT_EQ(reply.body, R"({"a":"b"})");
    EXPECT_EQ(reply.body.data(), bytes.data() + bytes.size() - 9);  // not a copy
    EXPECT_TRUE(reply.keep_alive);

    const auto closing =
        parseHttpReply("HTTP/1.1 503 x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 1024);
    ASSERT_EQ(closing.state, ReplyState::complete);
    EXPECT_EQ(closing.status, 503);
    EXPECT_FALSE(closing.keep_alive);
    EXPECT_FALSE(parseHttpReply("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 64).keep_alive);
}

TEST(HttpReplyParserTest, EveryPrefixOfAReplyAsksForMoreBytes) {
    const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_EQ(parseHttpReply(std::string_view(bytes).substr(0, n), 1024).state,
                  ReplyState::incomplete)
            << n;
    }
    EXPECT_EQ(parseHttpReply(bytes, 1024).state, ReplyState::complete);
}

TEST(HttpReplyParserTest, RefusesWhatItCannotUse) {
    EXPECT_EQ(parseHttpReply("SSH-2.0-OpenSSH\r\n", 1024).state, ReplyState::bad);
    EXPECT_EQ(parseHttpReply("HTTP/1.1 2x0 OK\r\n\r\n", 1024).state, ReplyState::bad);
    EXPECT_EQ(parseHttpReply("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", 1024).state,
              ReplyState::bad);
    EXPECT_EQ(parseHttpReply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1024).state,
              ReplyState::unsupported);
    // A body beyond the limit is refused from its head, before any of it is read.
    EXPECT_EQ(parseHttpReply("HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n", 1024).state,
              ReplyState::too_large);
    // A head that fills the limit without ending.
    EXPECT_EQ(parseHttpReply("HTTP/1.1 200 OK\r\nX: " + std::string(64, 'a'), 32).state,
              ReplyState::too_large);
    EXPECT_STREQ(failureOf(ReplyState::too_large), "reply_too_large");
    EXPECT_STREQ(failureOf(ReplyState::bad), "bad_reply");
    EXPECT_STREQ(failureOf(ReplyState::unsupported), "unsupported_transfer_encoding");
}

}  // namespace
}  // namespace claimgate::simulators
