#include <claimgate/protocols/program.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

namespace claimgate::protocols {
namespace {

using nlohmann::json;

// The program file of contracts §11, verbatim.
constexpr const char* kCash2023 =
    R"({"id": "CASH2023", "name": "全民共享經濟成果普發現金", "amount": 6000, "currency": "TWD",
 "channels": ["atm", "kiosk", "counter"], "opens_at": "2023-04-10T00:00:00+08:00",
 "closes_at": "2023-12-31T23:59:59+08:00", "hold_ttl_s": 120, "kiosk_hold_ttl_s": 1800,
 "excludes": []})";

json cash2023() { return json::parse(kCash2023); }

void expectBadProgram(const json& value, ErrorCode code, const char* field) {
    const auto program = Program::fromJson(value.dump());
    ASSERT_FALSE(program.ok()) << value.dump();
    EXPECT_EQ(program.status().code(), code) << program.status().message();
    EXPECT_EQ(program.status().detail().value("field", std::string()), field)
        << program.status().message();
}

TEST(ProgramTest, DesignProgramFileDecodes) {
    const auto program = Program::fromJson(kCash2023);
    ASSERT_TRUE(program.ok()) << program.status().message();
    EXPECT_EQ(program->id, "CASH2023");
    EXPECT_EQ(program->name, "全民共享經濟成果普發現金");
    EXPECT_EQ(program->amount, 6000);
    EXPECT_EQ(program->currency, "TWD");
    ASSERT_EQ(program->channels.size(), 3u);
    EXPECT_TRUE(program->allowsChannel(Channel::atm));
    EXPECT_TRUE(program->allowsChannel(Channel::kiosk));
    EXPECT_TRUE(program->allowsChannel(Channel::counter));
    EXPECT_FALSE(program->allowsChannel(Channel::direct_deposit));
    EXPECT_EQ(program->opens_at_millis, parseRfc3339Millis("2023-04-09T16:00:00Z"));
    EXPECT_EQ(program->closes_at_millis, parseRfc3339Millis("2023-12-31T15:59:59Z"));
    EXPECT_EQ(program->holdTtlSecondsFor(Channel::atm), 120u);
    EXPECT_EQ(program->holdTtlSecondsFor(Channel::counter), 120u);
    EXPECT_EQ(program->holdTtlSecondsFor(Channel::kiosk), 1800u);
    EXPECT_TRUE(program->excludes.empty());
}

TEST(ProgramTest, OpenWindowIncludesBothEnds) {
    const auto program = Program::fromJson(kCash2023);
    ASSERT_TRUE(program.ok());
    EXPECT_FALSE(program->isOpenAt(program->opens_at_millis - 1));
    EXPECT_TRUE(program->isOpenAt(program->opens_at_millis));
    EXPECT_TRUE(program->isOpenAt(*parseRfc3339Millis("2023-06-01T12:00:00+08:00")));
    EXPECT_TRUE(program->isOpenAt(program->closes_at_millis));
    EXPECT_FALSE(program->isOpenAt(program->closes_at_millis + 1));
}

TEST(ProgramTest, ToJsonRoundTrips) {
    json value = cash2023();
    value["excludes"] = {"ENERGY2023"};
    value["channels"] = {"counter", "atm"};
    const auto program = Program::fromJson(value.dump());
    ASSERT_TRUE(program.ok()) << program.status().message();
    const json encoded = program->toJson();
    EXPECT_EQ(encoded["channels"], json({"counter", "atm"}));
    EXPECT_EQ(encoded["excludes"], json({"ENERGY2023"}));
    const auto again = Program::fromJsonValue(encoded);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(again->toJson(), encoded);
}

TEST(ProgramTest, OptionalFieldsTakeDefaults) {
    json value = cash2023();
    value.erase("currency");
    value.erase("hold_ttl_s");
    value.erase("kiosk_hold_ttl_s");
    value.erase("excludes");
    const auto program = Program::fromJson(value.dump());
    ASSERT_TRUE(program.ok()) << program.status().message();
    EXPECT_EQ(program->currency, "TWD");
    EXPECT_EQ(program->hold_ttl_s, 120u);
    EXPECT_EQ(program->kiosk_hold_ttl_s, 1800u);  // kiosk slips wait for the store counter
}

TEST(ProgramTest, BadDatesAreRefused) {
    const std::pair<const char*, const char*> cases[] = {
        {"opens_at", "2023-04-10"},
        {"opens_at", "2023-04-10T00:00:00"},  // no offset: ambiguous local time
        {"opens_at", "April 10, 2023"},
        {"opens_at", "2023-02-30T00:00:00+08:00"},
        {"closes_at", "2023-13-01T00:00:00+08:00"},
        {"closes_at", "2023-04-09T23:59:59+08:00"},  // before it opens
        {"closes_at", "2023-04-10T00:00:00+08:00"},  // empty window
        {"closes_at", "2023-04-09T16:00:00Z"},       // same instant, other offset
    };
    for (const auto& [field, text] : cases) {
        SCOPED_TRACE(std::string(field) + "=" + text);
        json value = cash2023();
        value[field] = text;
        expectBadProgram(value, ErrorCode::bad_field, field);
    }
    json value = cash2023();
    value["opens_at"] = 1681056000;
    expectBadProgram(value, ErrorCode::bad_field, "opens_at");
}

TEST(ProgramTest, BadChannelsAreRefused) {
    const json cases[] = {
        json::array(),
        json({"atm", "bank"}),
        json({"direct_deposit"}),  // a platform channel, not a terminal's
        json({"ATM"}),
        json({1}),
        json("atm"),
        json({"atm", "kiosk", "counter", "atm"}),
    };
    for (const auto& channels : cases) {
        SCOPED_TRACE(channels.dump());
        json value = cash2023();
        value["channels"] = channels;
        expectBadProgram(value, ErrorCode::bad_field, "channels");
    }
    json value = cash2023();
    value.erase("channels");
    expectBadProgram(value, ErrorCode::missing_field, "channels");
}

TEST(ProgramTest, DuplicateChannelsCollapse) {
    json value = cash2023();
    value["channels"] = {"atm", "atm"};
    const auto program = Program::fromJson(value.dump());
    ASSERT_TRUE(program.ok()) << program.status().message();
    EXPECT_EQ(program->channels.size(), 1u);
}

TEST(ProgramTest, OtherBadFieldsAreNamed) {
    struct Case {
        const char* field;
        json value;
        ErrorCode code;
    };
    const Case cases[] = {
        {"id", "", ErrorCode::bad_field},
        {"id", "CASH 2023", ErrorCode::bad_field},
        {"id", "CASH/2023", ErrorCode::bad_field},
        {"id", std::string(40, 'P'), ErrorCode::bad_field},
        {"id", nullptr, ErrorCode::missing_field},
        {"name", nullptr, ErrorCode::missing_field},
        {"amount", 0, ErrorCode::bad_field},
        {"amount", "6000", ErrorCode::bad_field},
        {"amount", 6000.5, ErrorCode::bad_field},
        {"currency", "TWDX", ErrorCode::bad_field},
        {"hold_ttl_s", 0, ErrorCode::bad_field},
        {"hold_ttl_s", 30 * 24 * 3600, ErrorCode::bad_field},
        {"kiosk_hold_ttl_s", -1, ErrorCode::bad_field},
        {"excludes", "ENERGY2023", ErrorCode::bad_field},
        {"excludes", json({"CASH2023"}), ErrorCode::bad_field},  // cannot exclude itself
        {"excludes", json({""}), ErrorCode::bad_field},
        {"excludes", json({7}), ErrorCode::bad_field},
    };
    for (const auto& test_case : cases) {
        SCOPED_TRACE(std::string(test_case.field) + "=" + test_case.value.dump());
        json value = cash2023();
        value[test_case.field] = test_case.value;
        expectBadProgram(value, test_case.code, test_case.field);
    }
}

TEST(ProgramTest, NonObjectsAreMalformed) {
    EXPECT_EQ(Program::fromJson("[]").status().code(), ErrorCode::malformed_json);
    EXPECT_EQ(Program::fromJson("{").status().code(), ErrorCode::malformed_json);
    EXPECT_EQ(Program::fromJsonValue(json("CASH2023")).status().code(), ErrorCode::malformed_json);
}

}  // namespace
}  // namespace claimgate::protocols
