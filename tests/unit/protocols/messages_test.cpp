#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/messages.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace claimgate::protocols {
namespace {

using nlohmann::json;

json validClaim() {
    return {{"program", "CASH2023"}, {"citizen_id", "a123456789"},    {"channel", "atm"},
            {"amount", 6000},        {"nhi_card_no", "000012345678"}, {"proxy_id", "F131104093"}};
}

void expectError(const Status& status, ErrorCode code, const char* field) {
    EXPECT_EQ(status.code(), code) << errorCodeName(status.code()) << ": " << status.message();
    if (field != nullptr) {
        EXPECT_EQ(status.detail().value("field", std::string()), field) << status.detail().dump();
    }
    EXPECT_FALSE(status.message().empty());
}

TEST(MessagesTest, ClaimRequestDecodesAndNormalises) {
    const auto decoded = decodeClaimRequest(validClaim().dump());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(decoded->program, "CASH2023");
    EXPECT_EQ(decoded->citizen_id, "A123456789");
    EXPECT_EQ(decoded->channel, Channel::atm);
    EXPECT_EQ(decoded->amount, 6000);
    EXPECT_EQ(decoded->nhi_card_no, "000012345678");
    EXPECT_EQ(decoded->proxy_id, "F131104093");
    // toJson is what the SDK sends; decoding it again gives the same request.
    const auto again = decodeClaimRequest(decoded->toJson().dump());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->toJson(), decoded->toJson());
}

TEST(MessagesTest, EligibilityNeedsNoAmountAndOptionalsMayBeNull) {
    json body = {{"program", "CASH2023"},
                 {"citizen_id", "A123456789"},
                 {"channel", "counter"},
                 {"nhi_card_no", nullptr},
                 {"proxy_id", nullptr}};
    const auto decoded = decodeEligibilityRequest(body.dump());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(decoded->channel, Channel::counter);
    EXPECT_FALSE(decoded->nhi_card_no.has_value());
    EXPECT_FALSE(decoded->proxy_id.has_value());
    EXPECT_EQ(decoded->amount, 0);
    EXPECT_FALSE(decoded->toJson().contains("amount"));
}

TEST(MessagesTest, MalformedJsonIsReported) {
    for (const char* body : {"", "{", "not json", "[1,2]", "\"text\"", "42", "null",
                             "{\"program\": \"CASH2023\",}", "{} trailing"}) {
        SCOPED_TRACE(body);
        expectError(decodeEligibilityRequest(body).status(), ErrorCode::malformed_json, nullptr);
        expectError(decodeClaimRequest(body).status(), ErrorCode::malformed_json, nullptr);
        expectError(decodeCommitRequest(body).status(), ErrorCode::malformed_json, nullptr);
        expectError(decodeVoidRequest(body).status(), ErrorCode::malformed_json, nullptr);
    }
}

TEST(MessagesTest, MissingFieldsAreNamed) {
    for (const char* field : {"program", "citizen_id", "channel", "amount"}) {
        SCOPED_TRACE(field);
        json body = validClaim();
        body.erase(field);
        expectError(decodeClaimRequest(body.dump()).status(), ErrorCode::missing_field, field);
        body[field] = nullptr;
        expectError(decodeClaimRequest(body.dump()).status(), ErrorCode::missing_field, field);
    }
    expectError(decodeCommitRequest(R"({"terminal_ref":"r1"})").status(), ErrorCode::missing_field,
                "amount");
    expectError(decodeCommitRequest(R"({"amount":6000})").status(), ErrorCode::missing_field,
                "terminal_ref");
    expectError(decodeVoidRequest("{}").status(), ErrorCode::missing_field, "reason");
}

TEST(MessagesTest, BadFieldsAreNamed) {
    struct Case {
        const char* field;
        json value;
    };
    const Case cases[] = {
        {"program", 42},
        {"program", ""},
        {"program", std::string(kProgramIdLengthMax + 1, 'P')},
        {"channel", "bank"},
        {"channel", "direct_deposit"},  // platform channel, not a terminal's
        {"channel", "ATM "},
        {"amount", 0},
        {"amount", -6000},
        {"amount", 6000.5},
        {"amount", "6000"},
        {"amount", kAmountMax + 1},
        {"nhi_card_no", "12345"},
        {"nhi_card_no", "12345678901a"},
        {"nhi_card_no", 123456789012},
        {"citizen_id", 123},
    };
    for (const auto& test_case : cases) {
        SCOPED_TRACE(std::string(test_case.field) + "=" + test_case.value.dump());
        json body = validClaim();
        body[test_case.field] = test_case.value;
        expectError(decodeClaimRequest(body.dump()).status(), ErrorCode::bad_field,
                    test_case.field);
    }
    expectError(decodeCommitRequest(R"({"amount":"6000","terminal_ref":"r"})").status(),
                ErrorCode::bad_field, "amount");
    expectError(
        decodeCommitRequest(
            json{{"amount", 6000}, {"terminal_ref", std::string(kTerminalRefLengthMax + 1, 'r')}}
                .dump())
            .status(),
        ErrorCode::bad_field, "terminal_ref");
    expectError(
        decodeVoidRequest(json{{"reason", std::string(kReasonLengthMax + 1, 'x')}}.dump()).status(),
        ErrorCode::bad_field, "reason");
    expectError(decodeVoidRequest(R"({"reason": ["dispenser jam"]})").status(),
                ErrorCode::bad_field, "reason");
}

TEST(MessagesTest, InvalidCitizenIdsNameTheFieldAndNeverEchoTheId) {
    for (const char* field : {"citizen_id", "proxy_id"}) {
        for (const char* id : {"A123456788", "A12345678", "Z999999999", "1234567890"}) {
            SCOPED_TRACE(std::string(field) + "=" + id);
            json body = validClaim();
            body[field] = id;
            const Status status = decodeClaimRequest(body.dump()).status();
            expectError(status, ErrorCode::invalid_citizen_id, field);
            EXPECT_EQ(status.httpStatus(), 422);
            EXPECT_EQ(encodeErrorEnvelope(status).find(id), std::string::npos);
        }
    }
}

// Flat bodies are read in place, anything else through nlohmann. The same body with an unknown
// member first is always read by nlohmann (the in-place reader takes only the claimant fields),
// and the two must decode to the same request or refuse with the same error.
void expectSameAsThroughTheDom(const std::string& body) {
    const json dom = json::parse(body, nullptr, false);
    for (const bool with_amount : {false, true}) {
        const auto decode = [with_amount](const std::string& text) {
            return with_amount ? decodeClaimRequest(text) : decodeEligibilityRequest(text);
        };
        const auto direct = decode(body);
        if (dom.is_discarded() || !dom.is_object() || dom.empty()) {
            // Not a non-empty object: the in-place reader must not have accepted it.
            EXPECT_FALSE(direct.ok()) << body;
            continue;
        }
        std::string padded = body;
        padded.insert(padded.find('{') + 1, "\"~unknown\":[],");
        const auto through_dom = decode(padded);
        ASSERT_EQ(direct.ok(), through_dom.ok()) << body;
        if (direct.ok()) {
            EXPECT_EQ(direct->toJson().dump(), through_dom->toJson().dump()) << body;
        } else {
            EXPECT_EQ(direct.status().code(), through_dom.status().code()) << body;
            EXPECT_EQ(direct.status().message(), through_dom.status().message()) << body;
            EXPECT_EQ(direct.status().detail(), through_dom.status().detail()) << body;
        }
    }
}

TEST(MessagesTest, TheInPlaceReaderAgreesWithNlohmann) {
    const std::vector<std::string> bodies = {
        validClaim().dump(),
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm"})",
        " \t\r\n{ \"channel\" : \"kiosk\" ,\"citizen_id\":\"a123456789\", \"program\":\"CASH2023\" "
        "} \n",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":1})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":1000000000})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":1000000001})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":0})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":-5})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":06000})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":6000.0})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":6e3})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":"6000"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":99999999999999999999})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":6000,"amount":7000})",
        R"({"program":"CASH2023","citizen_id":"A123456789","citizen_id":"F131104093","channel":"atm"})",
        R"({"program":"CASH2023","citizen_id":"A123456788","channel":"atm"})",
        R"({"program":"CASH2023","citizen_id":"A12345678","channel":"atm"})",
        R"({"program":"CASH2023","citizen_id":"","channel":"atm"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"pos"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"ATM"})",
        R"({"program":"CASH2023","citizen_id":"A123456789"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":null})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","nhi_card_no":null})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","nhi_card_no":"12"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","nhi_card_no":"000012345678"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","proxy_id":"F131104093"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","proxy_id":"F131104094"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","proxy_id":7})",
        R"({"program":"CASH2023","citizen_id":"A12345678\u0039","channel":"atm"})",
        R"({"program":"CASH2023","citizen\u005fid":"A123456789","channel":"atm"})",
        R"({"program":"CASH\"2023","citizen_id":"A123456789","channel":"atm"})",
        "{\"program\":\"CASH\xc3\xa9"
        "2023\",\"citizen_id\":\"A123456789\",\"channel\":\"atm\"}",
        "{\"program\":\"CASH\x7f\",\"citizen_id\":\"A123456789\",\"channel\":\"atm\"}",
        R"({"program":"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456","citizen_id":"A123456789","channel":"atm"})",
        R"({"program":"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345","citizen_id":"A123456789","channel":"atm"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","extra":{"a":[1,2]}})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm",})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm"} x)",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm"}{})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm")",
        R"({"program":"CASH2023" "citizen_id":"A123456789","channel":"atm"})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":})",
        R"({"program":"CASH2023","citizen_id":"A123456789","channel":"atm","amount":6000 1})",
        R"({})",
        R"([])",
        R"("atm")",
        "",
        "\xef\xbb\xbf{\"program\":\"CASH2023\",\"citizen_id\":\"A123456789\",\"channel\":\"atm\"}",
    };
    for (const auto& body : bodies) expectSameAsThroughTheDom(body);

    // Every single-byte change of a full body: deletions, and replacements and insertions from
    // the bytes JSON gives meaning to.
    const std::string base = validClaim().dump();
    const std::string alphabet = "{}[]:,\"\\ 0123456789-.eE+tfnulAa\t\x01\x7f\xc3";
    for (std::size_t i = 0; i < base.size(); ++i) {
        expectSameAsThroughTheDom(base.substr(0, i) + base.substr(i + 1));
        for (const char c : alphabet) {
            std::string replaced = base;
            replaced[i] = c;
            expectSameAsThroughTheDom(replaced);
            expectSameAsThroughTheDom(base.substr(0, i) + c + base.substr(i));
        }
    }
}

TEST(MessagesTest, CommitAndVoidDecode) {
    const auto commit = decodeCommitRequest(R"({"amount":6000,"terminal_ref":"stan-000123"})");
    ASSERT_TRUE(commit.ok());
    EXPECT_EQ(commit->amount, 6000);
    EXPECT_EQ(commit->terminal_ref, "stan-000123");
    EXPECT_EQ(decodeCommitRequest(commit->toJson().dump())->toJson(), commit->toJson());
    const auto voided = decodeVoidRequest(R"({"reason":"dispenser jam","extra":1})");
    ASSERT_TRUE(voided.ok());
    EXPECT_EQ(voided->reason, "dispenser jam");
    EXPECT_EQ(decodeVoidRequest(voided->toJson().dump())->reason, "dispenser jam");
}

TEST(MessagesTest, ErrorEnvelopeRoundTrips) {
    const Status status(
        ErrorCode::already_claimed, "already claimed at another channel",
        {{"status", "paid"}, {"channel", "kiosk"}, {"at", "2023-04-10T01:00:00.000Z"}});
    const std::string body = encodeErrorEnvelope(status);
    const json parsed = json::parse(body);
    EXPECT_EQ(parsed["error"]["code"], "already_claimed");
    EXPECT_EQ(parsed["error"]["message"], "already claimed at another channel");
    EXPECT_EQ(parsed["error"]["detail"]["channel"], "kiosk");
    const auto decoded = decodeErrorEnvelope(body);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->code(), ErrorCode::already_claimed);
    EXPECT_EQ(decoded->message(), status.message());
    EXPECT_EQ(decoded->detail(), status.detail());
    EXPECT_EQ(decoded->httpStatus(), 409);
    // An envelope always carries a detail object, even when empty.
    EXPECT_TRUE(
        json::parse(encodeErrorEnvelope(Status(ErrorCode::not_ready, "loading")))["error"]["detail"]
            .is_object());
}

TEST(MessagesTest, ErrorEnvelopeDecodingToleratesJunk) {
    EXPECT_FALSE(decodeErrorEnvelope("").has_value());
    EXPECT_FALSE(decodeErrorEnvelope("<html>502</html>").has_value());
    EXPECT_FALSE(decodeErrorEnvelope(R"({"error":"text"})").has_value());
    EXPECT_FALSE(decodeErrorEnvelope("[]").has_value());
    // An unknown code from a newer server is kept as internal, not dropped.
    const auto unknown = decodeErrorEnvelope(R"({"error":{"code":"brand_new","message":"m"}})");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(unknown->code(), ErrorCode::internal);
    // Wrongly typed members must not throw out of the decoder (no exception crosses protocols).
    EXPECT_NO_THROW({
        const auto typed = decodeErrorEnvelope(R"({"error":{"code":5,"message":7,"detail":"x"}})");
        ASSERT_TRUE(typed.has_value());
        EXPECT_EQ(typed->code(), ErrorCode::internal);
        EXPECT_TRUE(typed->detail().is_object());
    });
}

}  // namespace
}  // namespace claimgate::protocols
