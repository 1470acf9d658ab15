// contracts §5: protocols/openapi.yaml is the source of truth and a test checks the server against
// it. This drives every endpoint of a real gateway (in-process, real mTLS on port 0) through its
// success and error answers, records each exchange, and has a JSON Schema validator check every
// recorded body against the response schema the spec gives for that operation and status.
#include "in_process_gateway.hpp"

#include <claimgate/gateway/claim_service.hpp>
#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/limits.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace claimgate::testing {
namespace {

class ExchangeRecorder {
public:
    explicit ExchangeRecorder(const std::string& path) : out_(path) {}

    const HttpReply& record(const std::string& method, const std::string& path,
                            const HttpReply& reply) {
        EXPECT_NE(reply.status, 0) << method << " " << path << ": " << reply.error;
        const nlohmann::json line = {
            {"method", method}, {"path", path}, {"status", reply.status}, {"body", reply.body}};
        out_ << line.dump() << "\n";
        ++count_;
        return reply;
    }
    [[nodiscard]] int count() const { return count_; }
    void close() { out_.close(); }

private:
    std::ofstream out_;
    int count_ = 0;
};

nlohmann::json claimBody(const std::string& citizen, const char* channel, std::int64_t amount) {
    nlohmann::json body = {
        {"program", kProgramMain}, {"citizen_id", citizen}, {"channel", channel}};
    if (amount > 0) body["amount"] = amount;
    return body;
}

TEST(OpenApiConformanceTest, EveryAnswerMatchesTheSpec) {
    InProcessGateway gateway;
    TempDir temp;
    const std::string records = temp.path() + "/records.jsonl";
    ExchangeRecorder recorder(records);
    auto atm = gateway.client("atm-0001");
    auto other_bank = gateway.client("atm-0002");
    auto counter = gateway.client("counter-0001");
    auto admin = gateway.admin();
    const auto& citizens = gateway.citizens();

    recorder.record("GET", "/v1/programs", atm.get("/v1/programs"));
    recorder.record("POST", "/v1/eligibility",
                    atm.post("/v1/eligibility", claimBody(citizens.plain, "atm", 0)));
    recorder.record("POST", "/v1/eligibility",
                    atm.post("/v1/eligibility", claimBody(citizens.not_on_roster, "atm", 0)));
    recorder.record("POST", "/v1/eligibility", atm.post("/v1/eligibility", std::string("{")));
    recorder.record("POST", "/v1/eligibility",
                    atm.post("/v1/eligibility", claimBody("A123456788", "atm", 0)));
    recorder.record("POST", "/v1/eligibility",
                    atm.post("/v1/eligibility", claimBody(citizens.plain, "counter", 0)));
    nlohmann::json unknown_program = claimBody(citizens.plain, "atm", 0);
    unknown_program["program"] = "NOPE";
    recorder.record("POST", "/v1/eligibility", atm.post("/v1/eligibility", unknown_program));
    recorder.record("POST", "/v1/eligibility",
                    atm.post("/v1/eligibility", std::string(20000, ' ')));

    const auto held =
        recorder.record("POST", "/v1/claims",
                        atm.post("/v1/claims", claimBody(citizens.plain, "atm", 6000), "oa-1"));
    ASSERT_EQ(held.status, 201) << held.describe();
    const std::string claim_id = held.json["claim_id"];
    recorder.record("POST", "/v1/claims",
                    atm.post("/v1/claims", claimBody(citizens.plain, "atm", 6000), "oa-2"));
    recorder.record("POST", "/v1/claims",
                    atm.post("/v1/claims", claimBody(citizens.plain2, "atm", 6000), "oa-1"));
    recorder.record("POST", "/v1/claims",
                    atm.post("/v1/claims", claimBody(citizens.plain2, "atm", 6000)));
    recorder.record("POST", "/v1/claims",
                    atm.post("/v1/claims", claimBody(citizens.plain2, "atm", 5), "oa-3"));
    recorder.record("POST", "/v1/claims",
                    atm.post("/v1/claims", claimBody(citizens.excluded, "atm", 6000), "oa-4"));

    recorder.record("GET", "/v1/claims/" + claim_id, atm.get("/v1/claims/" + claim_id));
    recorder.record("GET", "/v1/claims/" + claim_id, other_bank.get("/v1/claims/" + claim_id));
    recorder.record("GET", "/v1/claims/c_doesnotexist", atm.get("/v1/claims/c_doesnotexist"));
    const nlohmann::json commit = {{"amount", 6000}, {"terminal_ref", "ref-1"}};
    recorder.record("POST", "/v1/claims/" + claim_id + "/commit",
                    atm.post("/v1/claims/" + claim_id + "/commit",
                             nlohmann::json{{"amount", 1}, {"terminal_ref", "x"}}, "oa-5"));
    recorder.record("POST", "/v1/claims/" + claim_id + "/commit",
                    atm.post("/v1/claims/" + claim_id + "/commit", commit, "oa-6"));
    recorder.record("POST", "/v1/claims/" + claim_id + "/commit",
                    counter.post("/v1/claims/" + claim_id + "/commit", commit, "oa-7"));
    recorder.record("POST", "/v1/claims/" + claim_id + "/void",
                    atm.post("/v1/claims/" + claim_id + "/void",
                             nlohmann::json{{"reason", "customer left"}}, "oa-8"));

    const auto second = atm.post("/v1/claims", claimBody(citizens.plain2, "atm", 6000), "oa-9");
    ASSERT_EQ(second.status, 201) << second.describe();
    const std::string second_id = second.json["claim_id"];
    recorder.record("POST", "/v1/claims/" + second_id + "/void",
                    atm.post("/v1/claims/" + second_id + "/void",
                             nlohmann::json{{"reason", "dispense failed"}}, "oa-10"));

    // Who may do what (contracts §3): new 403 codes, the failed-lookup 429, a wrong-card check.
    auto kiosk = gateway.client("kiosk-0001");
    auto pos = gateway.client("pos-0001");
    auto second_atm = gateway.client("atm-0003");
    const auto slip = kiosk.post("/v1/claims", claimBody(citizens.parent, "kiosk", 6000), "oa-k1");
    ASSERT_EQ(slip.status, 201) << slip.describe();
    const std::string slip_code = slip.json["claim_code"];
    recorder.record("POST", "/v1/claims/" + slip_code + "/commit",
                    kiosk.post("/v1/claims/" + slip_code + "/commit", commit, "oa-k2"));
    recorder.record("GET", "/v1/claims/" + slip_code, pos.get("/v1/claims/" + slip_code));
    recorder.record("POST", "/v1/claims/" + slip_code + "/commit",
                    pos.post("/v1/claims/" + slip_code + "/commit", commit, "oa-p1"));
    recorder.record("POST", "/v1/eligibility",
                    pos.post("/v1/eligibility", claimBody(citizens.plain, "kiosk", 0)));
    const auto atm_hold =
        atm.post("/v1/claims", claimBody(citizens.custom_amount, "atm", 3000), "oa-a1");
    ASSERT_EQ(atm_hold.status, 201) << atm_hold.describe();
    const std::string atm_hold_id = atm_hold.json["claim_id"];
    recorder.record("POST", "/v1/claims/" + atm_hold_id + "/void",
                    second_atm.post("/v1/claims/" + atm_hold_id + "/void",
                                    nlohmann::json{{"reason", "not mine"}}, "oa-a2"));
    nlohmann::json wrong_card = claimBody(citizens.with_nhi, "atm", 0);
    wrong_card["nhi_card_no"] = "999999999999";
    recorder.record("POST", "/v1/eligibility", atm.post("/v1/eligibility", wrong_card));
    const std::string guessed = "/v1/claims/" + std::string(protocols::kClaimCodeDigits, '7');
    for (std::size_t i = 0; i < gateway::kFailedClaimLookupsPerWindowMax; ++i) {
        recorder.record("GET", guessed, pos.get(guessed));
    }
    const auto limited = recorder.record("GET", guessed, pos.get(guessed));
    EXPECT_EQ(limited.status, 429) << limited.describe();

    const auto third =
        counter.post("/v1/claims", claimBody(citizens.plain2, "counter", 6000), "oa-11");
    ASSERT_EQ(third.status, 201) << third.describe();
    const std::string third_id = third.json["claim_id"];
    gateway.clock().advanceMillis(3600 * 1000);
    ASSERT_EQ(gateway.runtime().service().sweepNow().http_status, 200);
    recorder.record("POST", "/admin/claims/" + third_id + "/resolve",
                    admin.post("/admin/claims/" + third_id + "/resolve",
                               nlohmann::json{{"outcome", "voided"}, {"reason", "no payment"}}));
    recorder.record("GET", "/healthz", admin.get("/healthz"));
    recorder.record("GET", "/readyz", admin.get("/readyz"));
    recorder.record("GET", "/metrics", admin.get("/metrics"));
    recorder.close();

    const std::string command = std::string("/usr/bin/python3 ") + CG_OPENAPI_CHECKER + " " +
                                CG_OPENAPI_SPEC + " " + records + " > " + temp.path() +
                                "/check.log 2>&1";
    const int exit_code = std::system(command.c_str());
    std::ifstream log(temp.path() + "/check.log");
    std::stringstream buffer;
    buffer << log.rdbuf();
    const std::string output = buffer.str();
    EXPECT_EQ(exit_code, 0) << output;
    EXPECT_NE(output.find(std::to_string(recorder.count()) + " responses checked"),
              std::string::npos)
        << output;
}

}  // namespace
}  // namespace claimgate::testing
