#include <claimgate/protocols/json_object_writer.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace claimgate::protocols {
namespace {

// The writer's promise is nlohmann's dump() byte for byte (receipt signatures and replayed
// replies depend on it), so dump() is the oracle here.
std::string dumped(const std::string& text) { return nlohmann::json(text).dump(); }

std::string written(const std::string& text) {
    std::string out;
    JsonObjectWriter::appendString(out, text);
    return out;
}

TEST(JsonObjectWriterTest, EveryAsciiByteIsEscapedAsDumpEscapesIt) {
    for (int byte = 0; byte < 0x80; ++byte) {
        const std::string text = "a" + std::string(1, static_cast<char>(byte)) + "b";
        EXPECT_EQ(written(text), dumped(text)) << "byte " << byte;
    }
    EXPECT_EQ(written(""), dumped(""));
    EXPECT_EQ(written("\"\\\"\\"), dumped("\"\\\"\\"));
}

TEST(JsonObjectWriterTest, RandomValidUtf8StringsMatchDump) {
    std::mt19937 random(20261204);
    // Code points from each UTF-8 length class, control characters and quotes weighted in.
    const char32_t samples[] = {U'\0',     U'\x1f',       U'"',          U'\\',
                                U'/',      U'\x7f',       U'a',          U'Z',
                                U'\u00e9', U'\u07ff',     U'\u0800',     U'\u53f0',
                                U'\uffff', U'\U00010000', U'\U0001f4b0', U'\U0010ffff'};
    std::uniform_int_distribution<std::size_t> pick(0, std::size(samples) - 1);
    std::uniform_int_distribution<int> length(0, 24);
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        for (int i = length(random); i > 0; --i) {
            const char32_t c = samples[pick(random)];
            if (c < 0x80) {
                text.push_back(static_cast<char>(c));
            } else if (c < 0x800) {
                text.push_back(static_cast<char>(0xc0 | (c >> 6)));
                text.push_back(static_cast<char>(0x80 | (c & 0x3f)));
            } else if (c < 0x10000) {
                text.push_back(static_cast<char>(0xe0 | (c >> 12)));
                text.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
                text.push_back(static_cast<char>(0x80 | (c & 0x3f)));
            } else {
                text.push_back(static_cast<char>(0xf0 | (c >> 18)));
                text.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
                text.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
                text.push_back(static_cast<char>(0x80 | (c & 0x3f)));
            }
        }
        ASSERT_EQ(written(text), dumped(text)) << "round " << round;
    }
}

TEST(JsonObjectWriterTest, ObjectsWithNestingAndIntegersMatchDump) {
    const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    const std::int64_t highest = std::numeric_limits<std::int64_t>::max();
    std::string out = "kept:";
    JsonObjectWriter writer(out);
    writer.field("amount", std::int64_t{6000})
        .beginObject("inner")
        .field("highest", highest)
        .field("lowest", lowest)
        .field("zero", std::int64_t{0})
        .endObject()
        .beginObject("none")
        .endObject()
        .field("status", "paid")
        .endObject();
    const nlohmann::json expected = {
        {"status", "paid"},
        {"amount", 6000},
        {"none", nlohmann::json::object()},
        {"inner", {{"zero", 0}, {"lowest", lowest}, {"highest", highest}}}};
    EXPECT_EQ(out, "kept:" + expected.dump()) << "appends, and writes what dump() writes";
}

TEST(JsonObjectWriterTest, BooleansMatchDump) {
    std::string out;
    JsonObjectWriter(out).boolField("eligible", true).boolField("excluded", false).endObject();
    EXPECT_EQ(out, nlohmann::json({{"eligible", true}, {"excluded", false}}).dump());
}

TEST(JsonObjectWriterTest, AnEmptyObjectIsTwoBraces) {
    std::string out;
    JsonObjectWriter(out).endObject();
    EXPECT_EQ(out, "{}");
}

// Unsorted keys would still be JSON, but no longer dump()'s bytes: a receipt signed over them
// would not verify against a payload rebuilt by a terminal's verifier.
TEST(JsonObjectWriterDeathTest, KeysOutOfOrderOrRepeatedAreRefused) {
    EXPECT_DEATH(
        {
            std::string out;
            JsonObjectWriter(out).field("status", "paid").field("amount", std::int64_t{1});
        },
        "sorted order");
    EXPECT_DEATH(
        {
            std::string out;
            JsonObjectWriter(out).field("amount", std::int64_t{1}).field("amount", "again");
        },
        "sorted order");
}

}  // namespace
}  // namespace claimgate::protocols
