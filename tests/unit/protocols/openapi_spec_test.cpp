// protocols/openapi.yaml must not drift from the code: every ErrorCode appears with the HTTP
// status httpStatusFor() gives it, each per-status error schema lists only codes of that
// status, and every endpoint of contracts §5 is described. A plain-text reading of the YAML keeps
// the test free of a YAML dependency; the file's layout is regular enough for that.
#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/error_code.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace claimgate::protocols {
namespace {

std::string specText() {
    const char* source = std::getenv("CG_SOURCE_DIR");
    const std::string path =
        std::string(source != nullptr ? source : CG_TEST_SOURCE_DIR) + "/protocols/openapi.yaml";
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "cannot read " << path;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> result;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
}

std::vector<std::string> splitCodes(const std::string& list) {
    std::vector<std::string> codes;
    std::regex word("[a-z_]+");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), word);
         it != std::sregex_iterator(); ++it) {
        codes.push_back(it->str());
    }
    return codes;
}

constexpr ErrorCode kLastCode = ErrorCode::internal;

TEST(OpenApiSpecTest, EveryErrorCodeIsListedWithItsHttpStatus) {
    const auto spec = lines(specText());
    // The ErrorCodeName enum lists "- name   # status" one per line.
    std::map<std::string, int> listed;
    const std::regex entry(R"(^\s+- ([a-z_]+)\s+# (\d{3}))");
    for (const auto& line : spec) {
        std::smatch match;
        if (std::regex_search(line, match, entry)) listed[match[1]] = std::stoi(match[2]);
    }
    for (int value = 1; value <= static_cast<int>(kLastCode); ++value) {
        const auto code = static_cast<ErrorCode>(value);
        const std::string name(errorCodeName(code));
        SCOPED_TRACE(name);
        ASSERT_EQ(listed.count(name), 1u) << "missing from ErrorCodeName in openapi.yaml";
        EXPECT_EQ(listed[name], httpStatusFor(code));
        listed.erase(name);
    }
    EXPECT_TRUE(listed.empty()) << "openapi.yaml lists a code the code base does not know: "
                                << listed.begin()->first;
}

TEST(OpenApiSpecTest, PerStatusErrorSchemasHoldOnlyCodesOfThatStatus) {
    const std::string text = specText();
    const std::regex schema(
        R"(\n    Error(\d{3})\w*:\n(?:[^\n]*\n){1,8}?\s+code: \{ enum: \[([^\]]*)\] \})");
    int schemas = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), schema);
         it != std::sregex_iterator(); ++it) {
        ++schemas;
        const int status = std::stoi((*it)[1]);
        for (const auto& name : splitCodes((*it)[2])) {
            SCOPED_TRACE("Error" + std::to_string(status) + " " + name);
            const auto code = parseErrorCode(name);
            ASSERT_TRUE(code.has_value());
            EXPECT_EQ(httpStatusFor(*code), status);
        }
    }
    EXPECT_GE(schemas, 15);
}

TEST(OpenApiSpecTest, ResponsesAreFiledUnderTheirStatus) {
    const auto spec = lines(specText());
    // components/responses: name -> status of the ErrorNNN schema it returns.
    std::map<std::string, int> response_status;
    const std::regex response_name(R"(^    ([A-Z][A-Za-z]+):$)");
    const std::regex schema_ref(R"(schemas/Error(\d{3}))");
    bool in_responses = false;
    std::string current;
    for (const auto& line : spec) {
        if (line == "  responses:")
            in_responses = true;
        else if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ')
            in_responses = false;
        if (!in_responses) continue;
        std::smatch match;
        if (std::regex_match(line, match, response_name))
            current = match[1];
        else if (!current.empty() && std::regex_search(line, match, schema_ref)) {
            response_status[current] = std::stoi(match[1]);
        }
    }
    EXPECT_GE(response_status.size(), 15u);
    const std::regex use(R"(^\s+'(\d{3})': \{ \$ref: '#/components/responses/([A-Za-z]+)' \})");
    int uses = 0;
    for (const auto& line : spec) {
        std::smatch match;
        if (!std::regex_search(line, match, use)) continue;
        ++uses;
        SCOPED_TRACE(line);
        ASSERT_EQ(response_status.count(match[2]), 1u) << "unknown response component";
        EXPECT_EQ(response_status[match[2]], std::stoi(match[1]));
    }
    EXPECT_GE(uses, 50);
}

TEST(OpenApiSpecTest, EveryDesignEndpointIsDescribed) {
    const std::string text = specText();
    const std::pair<const char*, const char*> endpoints[] = {
        {"/v1/programs:", "get:"},
        {"/v1/eligibility:", "post:"},
        {"/v1/claims:", "post:"},
        {"/v1/claims/{id}:", "get:"},
        {"/v1/claims/{id}/commit:", "post:"},
        {"/v1/claims/{id}/void:", "post:"},
        {"/healthz:", "get:"},
        {"/readyz:", "get:"},
        {"/metrics:", "get:"},
        {"/admin/claims/{id}/resolve:", "post:"},
    };
    for (const auto& [path, method] : endpoints) {
        const auto at = text.find(std::string("\n  ") + path + "\n");
        ASSERT_NE(at, std::string::npos) << path;
        const auto next_path = text.find("\n  /", at + 3);
        const auto method_at = text.find(std::string("\n    ") + method, at);
        EXPECT_TRUE(method_at != std::string::npos && method_at < next_path)
            << path << " " << method;
    }
    EXPECT_NE(text.find("type: mutualTLS"), std::string::npos);
    EXPECT_NE(text.find("name: Idempotency-Key"), std::string::npos);
}

TEST(OpenApiSpecTest, IdempotencyKeyPatternMatchesTheValidator) {
    const std::string text = specText();
    const std::regex pattern_line(R"(pattern: '(\^\[A-Za-z0-9\._:-\]\{1,64\}\$)')");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(text, match, pattern_line));
    const std::regex pattern{match[1].str()};
    const std::vector<std::string> keys = {
        "a",       "atm-0001:20230410:000123", std::string(64, 'k'), "A.b_c-d:e",
        "",        std::string(65, 'k'),       "has space",          "slash/no",
        "\xc3\xbc"};
    for (const auto& key : keys) {
        EXPECT_EQ(std::regex_match(key, pattern), isValidIdempotencyKey(key)) << key;
    }
}

}  // namespace
}  // namespace claimgate::protocols
