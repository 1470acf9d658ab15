// ClientCore driven through the transport seam: outcomes per gateway answer, journal-before-send,
// queued advices delivered by flush, reserve reversal, duplicate submits, bad input, and a real
// kill between journal write and send.
#include "client_core.hpp"

#include "mock_transport.hpp"
#include "sdk_limits.hpp"
#include "temp_dir.hpp"
#include "test_sealer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

namespace claimgate::sdk {
namespace {

using ::claimgate::testing::TempDir;
using ::testing::_;
using ::testing::Return;
using testing::ScriptedGateway;
using testing::ScriptedTransport;

constexpr const char* kCitizen = "A123456789";
constexpr const char* kProxy = "B234567894";
constexpr const char* kNhi = "000012345678";

HttpReply json(int status, const nlohmann::json& body) {
    return HttpReply{status, body.dump(), ""};
}
HttpReply noAnswer() { return HttpReply{0, "", "Connection reset by peer"}; }
HttpReply error(int status, const std::string& code) {
    return json(
        status,
        {{"error",
          {{"code", code}, {"message", code + " (test)"}, {"detail", {{"status", "paid"}}}}}});
}

HttpReply happyGateway(const HttpRequest& request) {
    if (request.path == "/v1/eligibility") {
        return json(200, {{"eligible", true},
                          {"amount", 6000},
                          {"currency", "TWD"},
                          {"claim", {{"status", "none"}}}});
    }
    if (request.path == "/v1/claims") {
        return json(201, {{"claim_id", "c_abc"},
                          {"claim_code", "1234567890"},
                          {"status", "held"},
                          {"amount", 6000}});
    }
    if (request.path.find("/commit") != std::string::npos) {
        return json(200, {{"claim_id", "c_abc"}, {"status", "paid"}, {"receipt", {}}});
    }
    if (request.path.find("/void") != std::string::npos) {
        return json(200, {{"claim_id", "c_abc"}, {"status", "voided"}});
    }
    return error(404, "not_found");
}

class ClientCoreTest : public ::testing::Test {
protected:
    void SetUp() override { open(); }
    // The core's sender thread may still report into log_/events_ after the test body: stop
    // it before those members go.
    void TearDown() override { core_.reset(); }

    void open() {
        auto journal = Journal::open(dir_.file("journal.db"), "atm-0001", testing::testSealer());
        ASSERT_TRUE(journal.ok()) << journal.status().message();
        core_ = std::make_unique<ClientCore>(
            TerminalIdentity{"atm-0001", "BANK004", "atm"}, std::move(journal).value(),
            std::make_shared<ScriptedTransport>(gateway_),
            [this](LogLevel, const std::string& line) {
                std::lock_guard lock(log_mutex_);
                log_ += line + "\n";
            },
            [this](const AdviceEvent& event) {
                std::lock_guard lock(log_mutex_);
                events_.push_back(event);
            },
            std::chrono::milliseconds(2000));
    }

    std::vector<HttpRequest> requestsTo(const std::string& fragment) {
        std::vector<HttpRequest> matching;
        for (const auto& request : gateway_->requests()) {
            if (request.path.find(fragment) != std::string::npos) {
                matching.push_back(request);
            }
        }
        return matching;
    }

    TempDir dir_;
    std::shared_ptr<ScriptedGateway> gateway_ = std::make_shared<ScriptedGateway>();
    std::unique_ptr<ClientCore> core_;
    std::mutex log_mutex_;
    std::string log_;
    std::vector<AdviceEvent> events_;
};

TEST_F(ClientCoreTest, CheckEligibleReturnsOkWithAmountAndChannel) {
    gateway_->setHandler(happyGateway);
    const Outcome outcome = core_->check("CASH2023", "a123456789", kNhi, nullptr);
    EXPECT_EQ(outcome.status, Status::ok);
    EXPECT_TRUE(outcome.eligible);
    EXPECT_EQ(outcome.amount, 6000);
    const auto requests = gateway_->requests();
    ASSERT_EQ(requests.size(), 1U);
    const auto body = nlohmann::json::parse(requests[0].body);
    EXPECT_EQ(body["channel"], "atm");
    EXPECT_EQ(body["citizen_id"], kCitizen) << "IDs are normalised to upper case";
    EXPECT_EQ(body["nhi_card_no"], kNhi);
}

TEST_F(ClientCoreTest, CheckWhenGatewayUnreachableIsUnavailable) {
    gateway_->setHandler([](const HttpRequest&) { return noAnswer(); });
    const Outcome outcome = core_->check("CASH2023", kCitizen, nullptr, nullptr);
    EXPECT_EQ(outcome.status, Status::unavailable);
    EXPECT_EQ(outcome.http_status, 0);
}

TEST_F(ClientCoreTest, CheckNotEligibleIsOkWithReason) {
    gateway_->setHandler([](const HttpRequest&) {
        return json(200, {{"eligible", false},
                          {"amount", 0},
                          {"reason", "already_claimed"},
                          {"claim", {{"status", "paid"}, {"channel", "kiosk"}}}});
    });
    const Outcome outcome = core_->check("CASH2023", kCitizen, nullptr, nullptr);
    EXPECT_EQ(outcome.status, Status::ok);
    EXPECT_FALSE(outcome.eligible);
    EXPECT_EQ(outcome.code, "already_claimed");
    EXPECT_EQ(outcome.claim_status, "paid");
}

TEST_F(ClientCoreTest, ReserveAndCommitAreAcknowledgedAndJournalledBeforeSend) {
    std::atomic<std::int64_t> rows_while_sending{-1};
    gateway_->setHandler([this, &rows_while_sending](const HttpRequest& request) {
        if (request.path.find("/commit") != std::string::npos) {
            rows_while_sending = core_->journal().count();
        }
        return happyGateway(request);
    });
    const Outcome held = core_->reserve("CASH2023", kCitizen, kNhi, kProxy, 6000);
    ASSERT_EQ(held.status, Status::ok) << held.message;
    EXPECT_EQ(held.claim_id, "c_abc");
    EXPECT_EQ(held.claim_code, "1234567890");
    EXPECT_EQ(core_->transactionState("c_abc"), TxState::reserved);
    const Outcome paid = core_->commit("c_abc", 6000, "atm-0001-000001");
    ASSERT_EQ(paid.status, Status::ok) << paid.message;
    EXPECT_EQ(paid.claim_status, "paid");
    EXPECT_EQ(rows_while_sending, 1) << "the commit advice must be on disk while it is sent";
    EXPECT_EQ(core_->pendingAdvices(), 0);
    EXPECT_EQ(core_->transactionState("c_abc"), TxState::done);
    const auto reserves = requestsTo("/v1/claims");
    ASSERT_GE(reserves.size(), 2U);
    EXPECT_FALSE(reserves[0].idempotency_key.empty());
    EXPECT_NE(reserves[0].idempotency_key, reserves[1].idempotency_key);
    EXPECT_EQ(reserves[0].idempotency_key.rfind("atm-0001:", 0), 0U);
    EXPECT_EQ(nlohmann::json::parse(reserves[0].body)["proxy_id"], kProxy);
}

TEST_F(ClientCoreTest, ReserveWithAmountZeroLearnsAmountFromEligibility) {
    gateway_->setHandler(happyGateway);
    const Outcome held = core_->reserve("CASH2023", kCitizen, nullptr, nullptr, 0);
    ASSERT_EQ(held.status, Status::ok) << held.message;
    const auto reserves = requestsTo("/v1/claims");
    ASSERT_EQ(reserves.size(), 1U);
    EXPECT_EQ(nlohmann::json::parse(reserves[0].body)["amount"], 6000);
}

TEST_F(ClientCoreTest, CommitWhileGatewayDownIsQueuedSurvivesReopenAndFlushDelivers) {
    gateway_->setHandler(happyGateway);
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    gateway_->setHandler([](const HttpRequest&) { return noAnswer(); });
    const Outcome queued = core_->commit("c_abc", 6000, "ref-1");
    EXPECT_EQ(queued.status, Status::queued) << queued.message;
    EXPECT_EQ(core_->pendingAdvices(), 1);
    EXPECT_EQ(core_->transactionState("c_abc"), TxState::advice_queued);
    // Close and reopen (a reboot): the advice is still there.
    core_.reset();
    open();
    EXPECT_EQ(core_->pendingAdvices(), 1);
    gateway_->setHandler(happyGateway);
    core_->startSender();
    EXPECT_EQ(core_->flush(std::chrono::seconds(10)), Status::ok);
    EXPECT_EQ(core_->pendingAdvices(), 0);
    const auto commits = requestsTo("/commit");
    ASSERT_GE(commits.size(), 2U);
    for (const auto& commit : commits) {
        EXPECT_EQ(commit.idempotency_key, commits[0].idempotency_key)
            << "every retry of one advice reuses its key";
        EXPECT_EQ(commit.body, commits[0].body);
    }
}

TEST_F(ClientCoreTest, FlushTimesOutWhileGatewayStaysDown) {
    gateway_->setHandler(happyGateway);
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    gateway_->setHandler([](const HttpRequest&) { return noAnswer(); });
    ASSERT_EQ(core_->commit("c_abc", 6000, "ref-1").status, Status::queued);
    core_->startSender();
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(core_->flush(std::chrono::milliseconds(300)), Status::unavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(core_->pendingAdvices(), 1);
}

TEST_F(ClientCoreTest, ReserveWithoutAnswerIsUnavailableAndTheHoldIsVoidedInBackground) {
    std::atomic<int> reserve_calls{0};
    gateway_->setHandler([&reserve_calls](const HttpRequest& request) {
        if (request.path == "/v1/claims" && reserve_calls++ == 0) {
            return noAnswer();  // the hold was made, the answer lost
        }
        return happyGateway(request);
    });
    const Outcome outcome = core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000);
    EXPECT_EQ(outcome.status, Status::unavailable);
    EXPECT_EQ(core_->pendingAdvices(), 1) << "the reserve's key stays journalled for reversal";
    core_->startSender();
    ASSERT_EQ(core_->flush(std::chrono::seconds(10)), Status::ok);
    const auto reserves = requestsTo("/v1/claims");
    ASSERT_GE(reserves.size(), 3U);
    EXPECT_EQ(reserves[0].idempotency_key, reserves[1].idempotency_key)
        << "the reversal replays the reserve with its own key";
    const auto voids = requestsTo("/v1/claims/c_abc/void");
    ASSERT_EQ(voids.size(), 1U);
    EXPECT_EQ(nlohmann::json::parse(voids[0].body)["reason"], "reserve_reversal");
}

TEST_F(ClientCoreTest, ReserveKeyIsJournalledBeforeTheRequestLeaves) {
    std::atomic<std::int64_t> rows_while_sending{-1};
    gateway_->setHandler([this, &rows_while_sending](const HttpRequest& request) {
        if (request.path == "/v1/claims") {
            rows_while_sending = core_->journal().count();
        }
        return happyGateway(request);
    });
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    EXPECT_EQ(rows_while_sending, 1);
    EXPECT_EQ(core_->pendingAdvices(), 0) << "a hold acknowledged leaves the journal";
}

TEST_F(ClientCoreTest, ReversalEndsWhenTheReplayIsRefusedForGood) {
    std::atomic<int> reserve_calls{0};
    gateway_->setHandler([&reserve_calls](const HttpRequest& request) {
        if (request.path == "/v1/claims" && reserve_calls++ == 0) {
            return noAnswer();  // the request never arrived
        }
        return error(409, "already_claimed");  // meanwhile paid at another channel
    });
    EXPECT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status,
              Status::unavailable);
    core_->startSender();
    ASSERT_EQ(core_->flush(std::chrono::seconds(10)), Status::ok);
    EXPECT_TRUE(requestsTo("/void").empty()) << "nothing of ours is held, nothing to void";
    std::lock_guard lock(log_mutex_);
    EXPECT_NE(log_.find("reversal ended"), std::string::npos) << log_;
}

TEST_F(ClientCoreTest, RevokedCertificateKeepsTheAdviceForLater) {
    gateway_->setHandler(happyGateway);
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    gateway_->setHandler([](const HttpRequest&) { return error(403, "terminal_revoked"); });
    const Outcome outcome = core_->commit("c_abc", 6000, "ref-1");
    EXPECT_EQ(outcome.status, Status::queued) << "cash left: never drop the evidence";
    EXPECT_EQ(outcome.code, "terminal_revoked");
    EXPECT_EQ(core_->pendingAdvices(), 1);
}

TEST_F(ClientCoreTest, ReserveRefusedIsRefusedWithGatewayCode) {
    gateway_->setHandler([](const HttpRequest&) { return error(409, "already_claimed"); });
    const Outcome outcome = core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000);
    EXPECT_EQ(outcome.status, Status::refused);
    EXPECT_EQ(outcome.code, "already_claimed");
    EXPECT_EQ(outcome.http_status, 409);
    EXPECT_EQ(outcome.claim_status, "paid");
    EXPECT_EQ(core_->pendingAdvices(), 0);
}

TEST_F(ClientCoreTest, OverloadedReserveNeedsNoReversal) {
    gateway_->setHandler([](const HttpRequest&) { return error(429, "overloaded"); });
    EXPECT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status,
              Status::unavailable);
    EXPECT_EQ(core_->pendingAdvices(), 0);
}

TEST_F(ClientCoreTest, NotReadyReserveIsReversedBecauseItsOutcomeIsUnknown) {
    // 503 not_ready on a state change: the write may have reached the ledger (a failed COMMIT,
    // or a ledger that answered late), so the hold, if any, is voided by replaying the key.
    std::atomic<int> reserve_calls{0};
    gateway_->setHandler([&reserve_calls](const HttpRequest& request) {
        if (request.path == "/v1/claims" && reserve_calls++ == 0) {
            return error(503, "not_ready");
        }
        return happyGateway(request);
    });
    EXPECT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status,
              Status::unavailable);
    EXPECT_EQ(core_->pendingAdvices(), 1) << "the reserve's key stays journalled for reversal";
    core_->startSender();
    ASSERT_EQ(core_->flush(std::chrono::seconds(10)), Status::ok);
    EXPECT_EQ(requestsTo("/v1/claims/c_abc/void").size(), 1U);
}

TEST_F(ClientCoreTest, CommitRefusedByGatewayEndsAdviceAndIsLogged) {
    gateway_->setHandler([](const HttpRequest& request) {
        return request.path == "/v1/claims" ? happyGateway(request)
                                            : error(409, "invalid_transition");
    });
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    const Outcome outcome = core_->commit("c_abc", 6000, "ref-1");
    EXPECT_EQ(outcome.status, Status::refused);
    EXPECT_EQ(outcome.code, "invalid_transition");
    EXPECT_EQ(core_->pendingAdvices(), 0);
    EXPECT_EQ(core_->transactionState("c_abc"), TxState::disputed);
    std::lock_guard lock(log_mutex_);
    EXPECT_NE(log_.find("invalid_transition"), std::string::npos);
}

TEST_F(ClientCoreTest, DuplicateCommitIsAnsweredLocallyAndSentOnce) {
    gateway_->setHandler(happyGateway);
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    ASSERT_EQ(core_->commit("c_abc", 6000, "ref-1").status, Status::ok);
    const Outcome again = core_->commit("c_abc", 6000, "ref-1");
    EXPECT_EQ(again.status, Status::ok);
    EXPECT_NE(again.message.find("duplicate"), std::string::npos);
    EXPECT_EQ(requestsTo("/commit").size(), 1U);
}

TEST_F(ClientCoreTest, AMalformedClaimIdInAReplyNeverReachesTheCaller) {
    // Found by the fuzz target sdk_replies: a void answered with a 70-character claim_id
    // handed that id to the terminal. The id asked about stays.
    gateway_->setHandler([](const HttpRequest& request) {
        if (request.path.find("/void") != std::string::npos) {
            return json(200, {{"claim_id", "c" + std::string(70, 'b')}, {"status", "voided"}});
        }
        return happyGateway(request);
    });
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    const Outcome voided = core_->voidClaim("c_abc", "dispense_failed");
    EXPECT_EQ(voided.status, Status::ok);
    EXPECT_EQ(voided.claim_id, "c_abc");
}

TEST_F(ClientCoreTest, CommitAfterVoidIsRefusedLocally) {
    gateway_->setHandler(happyGateway);
    ASSERT_EQ(core_->reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status, Status::ok);
    ASSERT_EQ(core_->voidClaim("c_abc", "dispense_failed").status, Status::ok);
    const Outcome outcome = core_->commit("c_abc", 6000, "ref-1");
    EXPECT_EQ(outcome.status, Status::invalid_input);
    EXPECT_EQ(outcome.code, "invalid_transition");
    EXPECT_TRUE(requestsTo("/commit").empty());
}

TEST_F(ClientCoreTest, CommitByKioskClaimCodeOfAnotherTerminal) {
    gateway_->setHandler(happyGateway);
    const Outcome outcome = core_->commit("1234567890", 6000, "pos-ref-1");
    EXPECT_EQ(outcome.status, Status::ok);
    EXPECT_EQ(outcome.claim_id, "c_abc");
    EXPECT_EQ(requestsTo("/v1/claims/1234567890/commit").size(), 1U);
}

TEST_F(ClientCoreTest, LookupReadsTheClaimWithoutJournal) {
    gateway_->setHandler([](const HttpRequest& request) {
        if (request.method == "GET" && request.path == "/v1/claims/1234567890") {
            return json(200, {{"claim_id", "c_abc"},
                              {"claim_code", "1234567890"},
                              {"status", "held"},
                              {"amount", 6000}});
        }
        return error(404, "unknown_claim");
    });
    const Outcome found = core_->lookup("1234567890");
    EXPECT_EQ(found.status, Status::ok);
    EXPECT_EQ(found.claim_id, "c_abc");
    EXPECT_EQ(found.claim_status, "held");
    EXPECT_EQ(found.amount, 6000);
    const Outcome missing = core_->lookup("c_nope");
    EXPECT_EQ(missing.status, Status::refused);
    EXPECT_EQ(missing.code, "unknown_claim");
    EXPECT_EQ(core_->lookup(nullptr).status, Status::invalid_input);
    EXPECT_EQ(core_->pendingAdvices(), 0);
}

TEST_F(ClientCoreTest, BadInputIsRefusedLocallyWithoutSending) {
    gateway_->setHandler(happyGateway);
    EXPECT_EQ(core_->check(nullptr, kCitizen, nullptr, nullptr).code, "missing_field");
    EXPECT_EQ(core_->check("CASH2023", nullptr, nullptr, nullptr).code, "missing_field");
    EXPECT_EQ(core_->check("CASH2023", "A123456788", nullptr, nullptr).code, "invalid_citizen_id");
    EXPECT_EQ(core_->check("CASH 2023", kCitizen, nullptr, nullptr).code, "bad_field");
    EXPECT_EQ(core_->check("CASH2023", kCitizen, "12345", nullptr).code, "bad_field");
    const Outcome bad_proxy = core_->reserve("CASH2023", kCitizen, nullptr, "Z999", 6000);
    EXPECT_EQ(bad_proxy.status, Status::invalid_input);
    EXPECT_EQ(bad_proxy.code, "invalid_citizen_id");
    EXPECT_EQ(bad_proxy.message.find("Z999"), std::string::npos) << "never echo an ID";
    EXPECT_EQ(core_->reserve("CASH2023", kCitizen, nullptr, nullptr, -5).code, "bad_field");
    EXPECT_EQ(core_->commit(nullptr, 6000, "r").code, "missing_field");
    EXPECT_EQ(core_->commit("c_abc", 0, "r").code, "bad_field");
    EXPECT_EQ(core_->commit("c_abc", 6000, nullptr).code, "missing_field");
    EXPECT_EQ(core_->commit("c_abc", 6000, std::string(65, 'r').c_str()).code, "bad_field");
    EXPECT_EQ(core_->commit("c/../x", 6000, "r").code, "bad_field");
    EXPECT_EQ(core_->voidClaim("c_abc", std::string(201, 'x').c_str()).code, "bad_field");
    EXPECT_TRUE(gateway_->requests().empty());
}

TEST(ClientCoreMockTest, CheckSendsOneEligibilityRequestWithoutIdempotencyKey) {
    TempDir dir;
    auto journal = Journal::open(dir.file("j.db"), "counter-0001", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    auto foreground = std::make_shared<::testing::StrictMock<testing::MockTransport>>();
    EXPECT_CALL(*foreground,
                send(::testing::AllOf(::testing::Field(&HttpRequest::path, "/v1/eligibility"),
                                      ::testing::Field(&HttpRequest::idempotency_key, ""))))
        .WillOnce(Return(json(200, {{"eligible", true}, {"amount", 6000}})));
    ClientCore core(
        TerminalIdentity{"counter-0001", "POST700", "counter"}, std::move(journal).value(),
        std::move(foreground), [](LogLevel, const std::string&) {}, AdviceListener{},
        std::chrono::milliseconds(2000));
    EXPECT_TRUE(core.check("CASH2023", kCitizen, nullptr, kProxy).eligible);
}

TEST_F(ClientCoreTest, ReserveRefusedWhenJournalNearlyFullSoCommitsKeepRoom) {
    core_.reset();
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(dir_.file("journal.db").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
        for (std::int64_t i = 0; i < kJournalEntriesMax - kJournalCommitHeadroomEntries; ++i) {
            const std::string sql =
                "INSERT INTO advices (kind, idempotency_key, claim_id, path, body,"
                " next_attempt_ms, created_ms) VALUES ('commit', 'k" +
                std::to_string(i) + "', 'c', '/p', '{}', 0, 0)";
            ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        }
        ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    open();
    gateway_->setHandler([](const HttpRequest&) { return noAnswer(); });
    const Outcome reserve = core_->reserve("CASH2023", kCitizen, nullptr, nullptr, 6000);
    EXPECT_EQ(reserve.status, Status::unavailable);
    EXPECT_EQ(reserve.code, "journal_full");
    EXPECT_TRUE(gateway_->requests().empty());
    // A commit still finds room.
    EXPECT_EQ(core_->commit("c_other", 6000, "ref").status, Status::queued);
}

// The advice is on disk before it is sent: kill the process inside the send, reopen, and the
// sender delivers the very same advice (same key, same body).
TEST(ClientCoreCrashTest, AdviceWrittenBeforeSendIsDeliveredAfterKill) {
    TempDir dir;
    const std::string path = dir.file("journal.db");
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto journal = Journal::open(path, "atm-0001", testing::testSealer());
        if (!journal.ok()) {
            _exit(3);
        }
        auto gateway = std::make_shared<ScriptedGateway>();
        gateway->setHandler([](const HttpRequest& request) {
            if (request.path.find("/commit") != std::string::npos) {
                _exit(0);  // the process dies with the request unsent
            }
            return happyGateway(request);
        });
        ClientCore core(
            TerminalIdentity{"atm-0001", "BANK004", "atm"}, std::move(journal).value(),
            std::make_shared<ScriptedTransport>(gateway), [](LogLevel, const std::string&) {},
            AdviceListener{}, std::chrono::milliseconds(2000));
        if (core.reserve("CASH2023", kCitizen, kNhi, nullptr, 6000).status != Status::ok) {
            _exit(4);
        }
        (void)core.commit("c_abc", 6000, "ref-crash");
        _exit(5);  // not reached
    }
    int wstatus = 0;
    ASSERT_EQ(waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFEXITED(wstatus));
    ASSERT_EQ(WEXITSTATUS(wstatus), 0);

    auto journal = Journal::open(path, "atm-0001", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    ASSERT_EQ((*journal)->count(), 1);
    auto gateway = std::make_shared<ScriptedGateway>();
    gateway->setHandler(happyGateway);
    ClientCore core(
        TerminalIdentity{"atm-0001", "BANK004", "atm"}, std::move(journal).value(),
        std::make_shared<ScriptedTransport>(gateway), [](LogLevel, const std::string&) {},
        AdviceListener{}, std::chrono::milliseconds(2000));
    core.startSender();
    ASSERT_EQ(core.flush(std::chrono::seconds(10)), Status::ok);
    const auto requests = gateway->requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].path, "/v1/claims/c_abc/commit");
    EXPECT_EQ(nlohmann::json::parse(requests[0].body)["terminal_ref"], "ref-crash");
    EXPECT_EQ(requests[0].idempotency_key.rfind("atm-0001:", 0), 0U);
}

}  // namespace
}  // namespace claimgate::sdk
