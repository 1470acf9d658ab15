// File: gateway_api_fixture.hpp
// Shared fixture of the gateway integration tests: a fresh in-process gateway per test, and
// request builders for the API of contracts §5.
#pragma once

#include "in_process_gateway.hpp"
#include "ledger_inspector.hpp"
#include "test_citizens.hpp"

#include <claimgate/protocols/domain.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>

namespace claimgate::testing {

struct Claimant {
    std::string program = kProgramMain;
    std::string citizen_id;
    std::string channel = "atm";
    std::int64_t amount = 6000;
    std::optional<std::string> nhi_card_no;
    std::optional<std::string> proxy_id;

    [[nodiscard]] nlohmann::json eligibilityJson() const {
        nlohmann::json body = {
            {"program", program}, {"citizen_id", citizen_id}, {"channel", channel}};
        if (nhi_card_no) body["nhi_card_no"] = *nhi_card_no;
        if (proxy_id) body["proxy_id"] = *proxy_id;
        return body;
    }
    [[nodiscard]] nlohmann::json claimJson() const {
        nlohmann::json body = eligibilityJson();
        body["amount"] = amount;
        return body;
    }
};

/// The terminal of each channel in the dev PKI.
inline std::string terminalFor(const std::string& channel) {
    if (channel == "kiosk") return "kiosk-0001";
    if (channel == "counter") return "counter-0001";
    return "atm-0001";
}

inline std::string freshKey(const std::string& prefix = "k") {
    static std::atomic<unsigned> counter{0};
    return prefix + "-" + std::to_string(counter.fetch_add(1));
}

class GatewayApiTest : public ::testing::Test {
protected:
    explicit GatewayApiTest(InProcessGatewayOptions options = {}) : gw_(options) {}

    const StandardCitizens& citizens() const { return gw_.citizens(); }

    Claimant claimant(const std::string& citizen, const std::string& channel = "atm") const {
        Claimant c;
        c.citizen_id = citizen;
        c.channel = channel;
        return c;
    }

    HttpReply eligibility(GatewayTestClient& client, const Claimant& who) {
        return client.post("/v1/eligibility", who.eligibilityJson());
    }
    HttpReply hold(GatewayTestClient& client, const Claimant& who,
                   const std::optional<std::string>& key = freshKey("hold")) {
        return client.post("/v1/claims", who.claimJson(), key);
    }
    HttpReply commit(GatewayTestClient& client, const std::string& claim_ref,
                     std::int64_t amount = 6000, const std::string& terminal_ref = "T-1",
                     const std::optional<std::string>& key = freshKey("commit")) {
        return client.post("/v1/claims/" + claim_ref + "/commit",
                           nlohmann::json{{"amount", amount}, {"terminal_ref", terminal_ref}}, key);
    }
    HttpReply voidClaim(GatewayTestClient& client, const std::string& claim_ref,
                        const std::string& reason = "cash not dispensed",
                        const std::optional<std::string>& key = freshKey("void")) {
        return client.post("/v1/claims/" + claim_ref + "/void", nlohmann::json{{"reason", reason}},
                           key);
    }
    /// Holds `who` with the terminal of its channel; fails the test unless 201.
    std::string holdOk(const Claimant& who) {
        auto client = gw_.client(terminalFor(who.channel));
        const HttpReply reply = hold(client, who);
        EXPECT_EQ(reply.status, 201) << reply.describe();
        return reply.json.value("claim_id", std::string());
    }
    /// The claim status the eligibility check reports for `who` ("none" if unclaimed).
    std::string claimStatusOf(const Claimant& who) {
        auto client = gw_.client(terminalFor(who.channel));
        const HttpReply reply = eligibility(client, who);
        EXPECT_EQ(reply.status, 200) << reply.describe();
        if (!reply.json.is_object() || !reply.json.contains("claim")) return "?";
        return reply.json["claim"].value("status", std::string("?"));
    }
    /// Number of claim_events rows in the ledger (read through a second connection).
    std::int64_t eventCount();
    /// Number of claims rows in the ledger.
    std::int64_t claimCount();

    InProcessGateway gw_;
};

inline std::int64_t GatewayApiTest::eventCount() {
    return countRows(gw_.ledgerPath(), "claim_events");
}
inline std::int64_t GatewayApiTest::claimCount() { return countRows(gw_.ledgerPath(), "claims"); }

}  // namespace claimgate::testing
