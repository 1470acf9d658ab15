// ClaimService back-pressure with a blocked ledger writer: claim_in_progress for a key already
// in flight, not_ready when the ledger does not answer in time, overloaded (429 + Retry-After)
// when the queue is full. All deterministic: the writer is held in begin() by a WriterGate.
#include "ledger_operation_builders.hpp"
#include "writer_gate.hpp"

#include <claimgate/ledger/clock.hpp>
#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/time_format.hpp>

#include "mocks/mock_ledger_store.hpp"
#include "temp_dir.hpp"
#include "test_citizens.hpp"
#include <claimgate/gateway/claim_service.hpp>
#include <claimgate/gateway/eligibility_index.hpp>
#include <claimgate/gateway/metrics.hpp>
#include <claimgate/ledger/group_committer.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace claimgate::gateway::testing {
namespace {

using ::testing::Invoke;
using ::testing::NiceMock;

constexpr const char* kPepper = "claim-service-test-pepper-32byte";

class ClaimServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        citizen_ = claimgate::testing::nationalId(1234567);
        citizen2_ = claimgate::testing::nationalId(1234568);
        // The roster lives in a real ledger; the index is loaded from it once.
        SqliteLedgerStore roster_store(dir_.file("roster.db"));
        roster_store.begin();
        roster_store.putProgram(testProgram());
        for (const auto& id : {citizen_, citizen2_}) {
            RosterRow row;
            row.program = "CASH2023";
            row.citizen_key = protocols::CitizenKeys(kPepper).citizenKey(id);
            roster_store.upsertRosterRow(row);
        }
        roster_store.commit();
        index_.load(roster_store);
        store_.behaveAsEmptyLedger();
        ON_CALL(store_, begin()).WillByDefault(Invoke([this] { gate_.onBegin(); }));
    }

    void makeService(std::chrono::milliseconds wait_max, std::size_t queue_depth_max = 100) {
        committer_ = std::make_unique<GroupCommitter>(store_, engine_, 1, queue_depth_max, nullptr);
        service_ = std::make_unique<ClaimService>(index_, *committer_, reader_, clock_, kPepper,
                                                  nullptr, metrics_, wait_max);
    }
    void TearDown() override {
        gate_.open();
        if (committer_) committer_->stop();
    }

    std::string claimBody(const std::string& id) const {
        return nlohmann::json{
            {"program", "CASH2023"}, {"citizen_id", id}, {"channel", "atm"}, {"amount", 6000}}
            .dump();
    }
    static std::string codeOf(const ServiceReply& reply) {
        const auto body = nlohmann::json::parse(reply.body, nullptr, false);
        return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
    }

    claimgate::testing::TempDir dir_;
    std::string citizen_;
    std::string citizen2_;
    EligibilityIndex index_;
    NiceMock<MockLedgerStore> store_;
    WriterGate gate_;
    std::shared_ptr<ManualClock> clock_ =
        std::make_shared<ManualClock>(claimgate::testing::kStandardNowMillis);
    ClaimEngine engine_{clock_, 1000, ClaimReplyRenderer(nullptr)};
    Metrics metrics_;
    // Reads go to their own connection of the real roster database, not the mocked writer.
    ClaimReader reader_{[this]() -> protocols::Result<LedgerStorePtr> {
        return LedgerStorePtr(std::make_unique<SqliteLedgerStore>(dir_.file("roster.db")));
    }};
    std::unique_ptr<GroupCommitter> committer_;
    std::unique_ptr<ClaimService> service_;
};

// The eligibility answer is written by hand, so nlohmann's dump() of the parsed body is the
// oracle for its bytes (sorted keys, no spaces: what dump() wrote before), in every shape.
TEST_F(ClaimServiceTest, EligibilityAnswersAreCanonicalJsonInEveryShape) {
    makeService(std::chrono::seconds(20));
    const auto ask = [&](const std::string& id) {
        const ServiceReply reply = service_->eligibility(
            atmTerminal(),
            nlohmann::json{{"program", "CASH2023"}, {"citizen_id", id}, {"channel", "atm"}}.dump());
        EXPECT_EQ(reply.http_status, 200) << reply.body;
        EXPECT_EQ(reply.body, nlohmann::json::parse(reply.body).dump());
        return reply.body;
    };
    EXPECT_EQ(ask(citizen_),
              "{\"amount\":6000,\"claim\":{\"status\":\"none\"},\"currency\":\"TWD\","
              "\"eligible\":true,\"program\":\"CASH2023\"}");
    EXPECT_EQ(ask(claimgate::testing::nationalId(7654321)),
              "{\"currency\":\"TWD\",\"eligible\":false,\"program\":\"CASH2023\","
              "\"reason\":\"not_eligible\"}");
    index_.applyClaimState("CASH2023", protocols::CitizenKeys(kPepper).citizenKey(citizen2_),
                           protocols::ClaimStatus::held, protocols::Channel::kiosk,
                           claimgate::testing::kStandardNowMillis);
    EXPECT_EQ(ask(citizen2_),
              "{\"claim\":{\"at\":\"" +
                  protocols::formatRfc3339Millis(claimgate::testing::kStandardNowMillis) +
                  "\",\"channel\":\"kiosk\",\"status\":\"held\"},\"currency\":\"TWD\","
                  "\"eligible\":false,\"program\":\"CASH2023\",\"reason\":\"already_claimed\"}");
}

TEST_F(ClaimServiceTest, SameKeyInFlightIsClaimInProgress) {
    makeService(std::chrono::seconds(20));
    ServiceReply first;
    std::thread in_flight(
        [&] { first = service_->hold(atmTerminal(), "K1", claimBody(citizen_)); });
    ASSERT_TRUE(gate_.waitEntered());  // the first request is inside the ledger now
    const ServiceReply second = service_->hold(atmTerminal(), "K1", claimBody(citizen_));
    EXPECT_EQ(second.http_status, 409) << second.body;
    EXPECT_EQ(codeOf(second), "claim_in_progress");
    gate_.open();
    in_flight.join();
    EXPECT_EQ(first.http_status, 201) << first.body;
}

TEST_F(ClaimServiceTest, SlowLedgerIs503NotReadyWithRetryAfter) {
    makeService(std::chrono::milliseconds(50));
    const ServiceReply reply = service_->hold(atmTerminal(), "K1", claimBody(citizen_));
    EXPECT_EQ(reply.http_status, 503) << reply.body;
    EXPECT_EQ(codeOf(reply), "not_ready");
    EXPECT_GT(reply.retry_after_s, 0);
    gate_.open();
}

TEST_F(ClaimServiceTest, FullQueueIs429OverloadedWithRetryAfter) {
    makeService(std::chrono::seconds(20), 1);
    ServiceReply first, second;
    std::thread t1([&] { first = service_->hold(atmTerminal(), "K1", claimBody(citizen_)); });
    ASSERT_TRUE(gate_.waitEntered());
    std::thread t2([&] { second = service_->hold(atmTerminal(), "K2", claimBody(citizen2_)); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (committer_->queueDepth() < 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(committer_->queueDepth(), 1U);
    const ServiceReply refused = service_->hold(atmTerminal(), "K3", claimBody(citizen2_));
    EXPECT_EQ(refused.http_status, 429) << refused.body;
    EXPECT_EQ(codeOf(refused), "overloaded");
    EXPECT_GT(refused.retry_after_s, 0);
    gate_.open();
    t1.join();
    t2.join();
    EXPECT_EQ(first.http_status, 201);
    EXPECT_EQ(second.http_status, 201);
}

TEST_F(ClaimServiceTest, MalformedRequestsNeverReachTheLedgerAndRuleRefusalsOnlyLookUpTheirKey) {
    makeService(std::chrono::seconds(20));
    gate_.open();
    EXPECT_CALL(store_, insertClaim(::testing::_)).Times(0);
    EXPECT_CALL(store_, saveReply(::testing::_, ::testing::_, ::testing::_, ::testing::_)).Times(0);
    EXPECT_EQ(codeOf(service_->hold(atmTerminal(), std::nullopt, claimBody(citizen_))),
              "missing_field");
    EXPECT_EQ(codeOf(service_->hold(atmTerminal(), "K1",
                                    claimBody(claimgate::testing::badChecksumId(1234567)))),
              "invalid_citizen_id");
    EXPECT_EQ(committer_->stats().operations.load(), 0U);
    // Replay first: a well-formed request the rules refuse asks the ledger whether its key is
    // stored (it is not), and writes nothing.
    EXPECT_CALL(store_, findReply("BANK004", "K1")).Times(1);
    EXPECT_EQ(codeOf(service_->hold(atmTerminal(), "K1",
                                    claimBody(claimgate::testing::nationalId(7654321)))),
              "not_eligible");
    EXPECT_EQ(committer_->stats().operations.load(), 1U);
}

}  // namespace
}  // namespace claimgate::gateway::testing
