// claimgate-sim troad, a real process on 127.0.0.1:0 with the dev PKI, exercised through
// claimgate::troad_client over mutual TLS: programs, roster paging and resuming, payouts, claim
// push idempotency and signatures, X-Road errors, TLS client authentication.
#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/xroad_error.hpp>
#include <claimgate/troad/platform_client.hpp>
#include <claimgate/troad/platform_link.hpp>
#include <claimgate/troad/poco_troad_transport.hpp>
#include <claimgate/troad/troad_failure.hpp>

#include <gtest/gtest.h>

#include "troad_sim_process.hpp"
#include "unit/troad/troad_test_files.hpp"

#include <cstdlib>
#include <map>
#include <set>

namespace claimgate::troad {
namespace {

using protocols::ErrorCode;
using protocols::XroadErrorType;
using testing::readAll;
using testing::runShell;
using testing::ScratchDir;
using testing::TroadSimProcess;
using testing::writeAll;

constexpr std::size_t kRosterSize = 23;
constexpr std::size_t kChurn = 4;
constexpr std::size_t kSimPageSize = 10;

std::string env(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : fallback;
}

/// A valid national ID: letter A (value 10), then gender and serial digits, then the check digit.
std::string nationalId(int serial) {
    std::string digits =
        "1" + std::string(7 - std::to_string(serial).size(), '0') + std::to_string(serial);
    int sum = 1;  // A = 10: 1 * 1 + 0 * 9
    for (std::size_t i = 0; i < 8; ++i) {
        sum += (digits[i] - '0') * static_cast<int>(8 - i);
    }
    const int check = (10 - sum % 10) % 10;
    return "A" + digits + std::to_string(check);
}

class TroadSimTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new ScratchDir();
        const std::string source = env("CG_SOURCE_DIR", CG_DEFAULT_SOURCE_DIR);
        ASSERT_EQ(
            runShell("'" + source + "/certs/dev-pki.sh' '" + dir_->file("pki") + "' >/dev/null"),
            0);
        writeAll(
            dir_->file("program.json"),
            R"({"id":"CASH2023","name":"全民共享經濟成果普發現金","amount":6000,)"
            R"("currency":"TWD","channels":["atm","kiosk","counter"],)"
            R"("opens_at":"2023-04-10T00:00:00+08:00","closes_at":"2023-12-31T23:59:59+08:00",)"
            R"("hold_ttl_s":120,"kiosk_hold_ttl_s":1800,"excludes":[]})");
        std::string roster = "citizen_id,nhi_card_no,amount,proxies,claim_by\n";
        for (std::size_t i = 0; i < kRosterSize; ++i) {
            const auto id = nationalId(static_cast<int>(1000 + i));
            ASSERT_TRUE(protocols::CitizenId::parse(id).ok()) << id;
            roster += id + "," + (i % 2 == 0 ? "00001234567" + std::to_string(i % 10) : "") + ",," +
                      (i == 3 ? nationalId(9001) : "") + "," + (i == 3 ? "either" : "") + "\n";
        }
        writeAll(dir_->file("roster.csv"), roster);
        writeAll(dir_->file("payouts.csv"),
                 "citizen_id,channel,amount,paid_at,payout_id\n" + nationalId(1000) +
                     ",direct_deposit,6000,2023-04-10T09:00:00+08:00,DD-0001\n" + nationalId(1001) +
                     ",registry,6000,2023-04-11T09:00:00+08:00,RG-0001\n");
        sim_ = new TroadSimProcess();
        ASSERT_TRUE(sim_->start(simBinary(), simArgs(dir_->file("state")), dir_->file("sim.err")))
            << sim_->error();
    }

    static void TearDownTestSuite() {
        delete sim_;
        sim_ = nullptr;
        delete dir_;
        dir_ = nullptr;
    }

    static std::string simBinary() {
        return env("CG_BIN_DIR", CG_DEFAULT_BIN_DIR) + "/claimgate-sim";
    }

    static std::vector<std::string> simArgs(const std::string& state_dir) {
        return {"--pki-dir",   dir_->file("pki"),
                "--program",   dir_->file("program.json"),
                "--roster",    dir_->file("roster.csv"),
                "--payouts",   dir_->file("payouts.csv"),
                "--state-dir", state_dir,
                "--page-size", std::to_string(kSimPageSize),
                "--churn",     std::to_string(kChurn),
                "--seed",      "42"};
    }

    static std::string pki() { return dir_->file("pki"); }

    static PocoTroadTransportConfig transportConfig(std::uint16_t port) {
        auto config = PocoTroadTransportConfig::fromPkiDir(pki(), {"127.0.0.1", port});
        config.attempts = 1;
        config.connect_timeout = std::chrono::seconds(5);
        config.io_timeout = std::chrono::seconds(10);
        return config;
    }

    static PlatformClient makeClient(std::shared_ptr<TransferLog> log = nullptr,
                                     std::uint16_t port = 0) {
        auto transport = PocoTroadTransport::create(transportConfig(port ? port : sim_->port()));
        EXPECT_TRUE(transport.ok()) << transport.status().message();
        auto config = PlatformClientConfig::fromPkiDir(pki());
        EXPECT_TRUE(config.ok()) << config.status().message();
        return PlatformClient(transport.value(), config.value(), std::move(log));
    }

    static ClaimBatch batch(const std::string& id, std::int64_t amount) {
        ClaimBatch batch{id, "gw-test", {}};
        batch.claims.push_back({"claim-1", "CASH2023", std::string(64, 'd'), "atm", "BANK004",
                                "atm-0001", "ref-1", amount, "paid", "2023-04-10T01:00:00.000Z",
                                "2023-04-10T01:00:05.000Z"});
        return batch;
    }

    static std::size_t stateLines() {
        const auto text = readAll(dir_->file("state") + "/claims.jsonl");
        std::size_t count = 0;
        for (const char c : text) {
            count += c == '\n' ? 1U : 0U;
        }
        return count;
    }

    static ScratchDir* dir_;
    static TroadSimProcess* sim_;
};

ScratchDir* TroadSimTest::dir_ = nullptr;
TroadSimProcess* TroadSimTest::sim_ = nullptr;

TEST_F(TroadSimTest, ListsProgramsWithVerifiedPlatformSignature) {
    auto client = makeClient();
    auto programs = client.listPrograms();
    ASSERT_TRUE(programs.ok()) << programs.status().message();
    ASSERT_EQ(programs->value.size(), 1U);
    EXPECT_EQ(programs->value[0].id, "CASH2023");
    EXPECT_EQ(programs->value[0].amount, 6000);
    EXPECT_TRUE(programs->signature.verified);
    EXPECT_EQ(programs->signature.key_id, kPlatformKeyId);
    EXPECT_EQ(programs->exchange.http_status, 200);
    EXPECT_FALSE(programs->exchange.request_id.empty());
    EXPECT_EQ(programs->exchange.request_hash.size(), 88U);  // base64 of a SHA-512
}

TEST_F(TroadSimTest, OpenPlatformClientWiresTransportKeysAndTransferLog) {
    const std::string log_path = dir_->file("link-transfer.log");
    auto client =
        openPlatformClient(pki(), "https://127.0.0.1:" + std::to_string(sim_->port()), log_path);
    ASSERT_TRUE(client.ok()) << client.status().message();
    auto programs = client.value()->listPrograms();
    ASSERT_TRUE(programs.ok()) << programs.status().message();
    EXPECT_TRUE(programs->signature.verified);
    EXPECT_EQ(TransferLog::verify(log_path).records, 1U);

    EXPECT_EQ(openPlatformClient(pki(), "http://127.0.0.1:1", log_path).status().code(),
              ErrorCode::bad_field);
    EXPECT_FALSE(openPlatformClient(dir_->file("no-pki"), "https://127.0.0.1:1", log_path).ok());
}

TEST_F(TroadSimTest, PagesRosterToTheEndWithCursorAndLogsEveryExchange) {
    auto log = TransferLog::open(dir_->file("paging-transfer.log"));
    ASSERT_TRUE(log.ok());
    auto client = makeClient(*log);
    std::string cursor;
    std::size_t pages = 0;
    std::map<std::string, std::size_t> ops;
    std::set<std::string> excluded;
    for (;;) {
        ASSERT_LT(pages, 100U) << "paging never ends";
        auto page = client.fetchRosterPage("CASH2023", cursor, 1000);  // server caps at 10
        ASSERT_TRUE(page.ok()) << page.status().message();
        ASSERT_TRUE(page->signature.verified);
        ++pages;
        EXPECT_LE(page->value.entries.size(), kSimPageSize);
        for (const auto& entry : page->value.entries) {
            ++ops[std::string(rosterOpName(entry.op))];
            if (entry.excluded) {
                excluded.insert(*entry.excluded);
            }
        }
        cursor = page->value.next_cursor;
        if (page->value.done) {
            break;
        }
    }
    EXPECT_EQ(pages, (kRosterSize + kChurn + kSimPageSize - 1) / kSimPageSize);
    EXPECT_EQ(ops["add"], kRosterSize);
    EXPECT_EQ(ops["update"] + ops["remove"], kChurn);
    EXPECT_EQ(excluded, (std::set<std::string>{"paid_by_direct_deposit", "paid_by_registry"}));
    // Resuming after the end yields an empty, finished page.
    auto tail = client.fetchRosterPage("CASH2023", cursor, 10);
    ASSERT_TRUE(tail.ok()) << tail.status().message();
    EXPECT_TRUE(tail->value.done);
    EXPECT_TRUE(tail->value.entries.empty());

    const auto check = TransferLog::verify(dir_->file("paging-transfer.log"));
    EXPECT_TRUE(check.ok) << check.reason;
    EXPECT_EQ(check.records, pages + 1);
}

TEST_F(TroadSimTest, ResumesFromASavedCursorWithAFreshClient) {
    std::vector<std::string> full;
    {
        auto client = makeClient();
        std::string cursor;
        for (int i = 0; i < 10; ++i) {
            auto page = client.fetchRosterPage("CASH2023", cursor, 7);
            ASSERT_TRUE(page.ok()) << page.status().message();
            for (const auto& entry : page->value.entries) {
                full.push_back(std::string(rosterOpName(entry.op)) + ":" + entry.citizen_id);
            }
            cursor = page->value.next_cursor;
            if (page->value.done) {
                break;
            }
        }
    }
    std::string saved;
    std::vector<std::string> resumed;
    {
        auto client = makeClient();
        auto first = client.fetchRosterPage("CASH2023", "", 7);
        ASSERT_TRUE(first.ok());
        for (const auto& entry : first->value.entries) {
            resumed.push_back(std::string(rosterOpName(entry.op)) + ":" + entry.citizen_id);
        }
        saved = first->value.next_cursor;  // "crash" here
    }
    auto client = makeClient();  // a new process would start from the saved cursor
    std::string cursor = saved;
    for (int i = 0; i < 10; ++i) {
        auto page = client.fetchRosterPage("CASH2023", cursor, 7);
        ASSERT_TRUE(page.ok()) << page.status().message();
        for (const auto& entry : page->value.entries) {
            resumed.push_back(std::string(rosterOpName(entry.op)) + ":" + entry.citizen_id);
        }
        cursor = page->value.next_cursor;
        if (page->value.done) {
            break;
        }
    }
    EXPECT_EQ(resumed, full);
    EXPECT_EQ(full.size(), kRosterSize + kChurn);
}

TEST_F(TroadSimTest, FetchesPayoutsOfOtherChannels) {
    auto client = makeClient();
    auto page = client.fetchPayoutPage("CASH2023", "", 100);
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_TRUE(page->value.done);
    ASSERT_EQ(page->value.payouts.size(), 2U);
    EXPECT_EQ(page->value.payouts[0].citizen_id, nationalId(1000));
    EXPECT_EQ(page->value.payouts[0].channel, protocols::Channel::direct_deposit);
    EXPECT_EQ(page->value.payouts[1].channel, protocols::Channel::registry);
    EXPECT_EQ(page->value.payouts[1].payout_id, "RG-0001");
    EXPECT_TRUE(page->signature.verified);
}

TEST_F(TroadSimTest, UnknownProgramIsAPlatformErrorNotAnXroadError) {
    auto client = makeClient();
    auto page = client.fetchRosterPage("NOPE", "", 10);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(troadFailureOf(page.status()), TroadFailure::platform_error);
    EXPECT_EQ(page.status().code(), ErrorCode::unknown_program);
}

TEST_F(TroadSimTest, PushIsIdempotentByBatchIdAndDurable) {
    auto client = makeClient();
    const std::size_t before = stateLines();
    auto first = client.pushClaimBatch(batch("gw-test-000001", 6000));
    ASSERT_TRUE(first.ok()) << first.status().message();
    auto again = client.pushClaimBatch(batch("gw-test-000001", 6000));
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(first->value.accepted, 1);
    EXPECT_EQ(again->value.received_at, first->value.received_at);
    EXPECT_EQ(again->value.batch_sha256, first->value.batch_sha256);
    EXPECT_NE(again->exchange.x_road_id, first->exchange.x_road_id);
    EXPECT_EQ(stateLines(), before + 1);

    auto reused = client.pushClaimBatch(batch("gw-test-000001", 5999));
    ASSERT_FALSE(reused.ok());
    EXPECT_EQ(reused.status().code(), ErrorCode::idempotency_key_reused);
    EXPECT_EQ(troadFailureOf(reused.status()), TroadFailure::platform_error);
    EXPECT_EQ(stateLines(), before + 1);
    EXPECT_EQ(readAll(dir_->file("state") + "/claims.jsonl").find("A1"), std::string::npos);
}

TEST_F(TroadSimTest, IdempotencySurvivesASimulatorRestart) {
    auto client = makeClient();
    auto first = client.pushClaimBatch(batch("gw-test-restart", 6000));
    ASSERT_TRUE(first.ok()) << first.status().message();
    const std::size_t lines = stateLines();

    TroadSimProcess restarted;  // a second process on the same state dir: it reloads claims.jsonl
    ASSERT_TRUE(
        restarted.start(simBinary(), simArgs(dir_->file("state")), dir_->file("sim-restart.err")))
        << restarted.error();
    auto again =
        makeClient(nullptr, restarted.port()).pushClaimBatch(batch("gw-test-restart", 6000));
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(again->value.received_at, first->value.received_at);
    EXPECT_EQ(stateLines(), lines);
}

TEST_F(TroadSimTest, RosterUpdatesFileIsServedAfterTheAdds) {
    writeAll(dir_->file("updates.csv"),
             "op,citizen_id,nhi_card_no,amount,proxies,claim_by\n"
             "update," +
                 nationalId(1002) +
                 ",,4000,,\n"
                 "remove," +
                 nationalId(1004) + ",,,,\n");
    auto args = simArgs(dir_->file("state-updates"));
    args.push_back("--roster-updates");
    args.push_back(dir_->file("updates.csv"));
    args.push_back("--churn");  // the last --churn wins: no seeded churn here
    args.push_back("0");
    TroadSimProcess sim;
    ASSERT_TRUE(sim.start(simBinary(), args, dir_->file("sim-updates.err"))) << sim.error();
    auto client = makeClient(nullptr, sim.port());
    auto page = client.fetchRosterPage("CASH2023", std::to_string(kRosterSize), 10);
    ASSERT_TRUE(page.ok()) << page.status().message();
    ASSERT_EQ(page->value.entries.size(), 2U);
    EXPECT_EQ(page->value.entries[0].op, RosterOp::update);
    EXPECT_EQ(page->value.entries[0].citizen_id, nationalId(1002));
    EXPECT_EQ(page->value.entries[0].amount, 4000);
    EXPECT_EQ(page->value.entries[1].op, RosterOp::remove);
    EXPECT_TRUE(page->value.done);
}

TEST_F(TroadSimTest, BadCursorAndLimitAreRefusedByThePlatform) {
    auto client = makeClient();
    auto page = client.fetchRosterPage("CASH2023", "not-a-cursor", 10);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(troadFailureOf(page.status()), TroadFailure::platform_error);
    EXPECT_EQ(page.status().code(), ErrorCode::bad_field);
    auto beyond = client.fetchRosterPage("CASH2023", "100000", 10);
    ASSERT_FALSE(beyond.ok());
    EXPECT_EQ(beyond.status().code(), ErrorCode::bad_field);
}

TEST_F(TroadSimTest, BatchSignedWithTheWrongKeyIsRejected) {
    auto transport = PocoTroadTransport::create(transportConfig(sim_->port()));
    ASSERT_TRUE(transport.ok());
    auto loaded = PlatformClientConfig::fromPkiDir(pki());
    ASSERT_TRUE(loaded.ok());
    auto config = std::move(loaded).value();
    config.gateway_signer = protocols::EcdsaSigner::fromPemFile(pki() + "/troad/platform.key")
                                .value();  // not the gateway's key
    PlatformClient client(transport.value(), config, nullptr);
    const std::size_t before = stateLines();
    auto pushed = client.pushClaimBatch(batch("gw-test-bad-sig", 6000));
    ASSERT_FALSE(pushed.ok());
    EXPECT_EQ(troadFailureOf(pushed.status()), TroadFailure::platform_error);
    EXPECT_EQ(pushed.status().detail()["http_status"], 401);
    EXPECT_EQ(pushed.status().detail()["platform_code"], "signature_invalid");
    EXPECT_EQ(stateLines(), before);
}

TEST_F(TroadSimTest, UnknownClientIdIsRecognisedAsXroadError) {
    auto transport = PocoTroadTransport::create(transportConfig(sim_->port()));
    ASSERT_TRUE(transport.ok());
    auto loaded = PlatformClientConfig::fromPkiDir(pki());
    ASSERT_TRUE(loaded.ok());
    auto config = std::move(loaded).value();
    config.client = protocols::XroadClientId::parse("TW/GOV/NOBODY/x").value();
    PlatformClient client(transport.value(), config, nullptr);
    auto programs = client.listPrograms();
    ASSERT_FALSE(programs.ok());
    EXPECT_EQ(troadFailureOf(programs.status()), TroadFailure::xroad_error);
    const XroadErrorType type(programs.status().detail()["xroad_error_type"].get<std::string>());
    EXPECT_TRUE(type.is(XroadErrorType::kUnknownMember));
    EXPECT_EQ(type.origin(), protocols::XroadErrorOrigin::consumer_server);
    EXPECT_EQ(programs.status().detail()["http_status"], 500);
}

TEST_F(TroadSimTest, SnakeCaseErrorSpellingIsRecognisedToo) {
    TroadSimProcess snake;
    auto args = simArgs(dir_->file("state-snake"));
    args.push_back("--error-spelling");
    args.push_back("snake");
    ASSERT_TRUE(snake.start(simBinary(), args, dir_->file("sim-snake.err"))) << snake.error();
    auto transport = PocoTroadTransport::create(transportConfig(snake.port()));
    ASSERT_TRUE(transport.ok());
    auto loaded = PlatformClientConfig::fromPkiDir(pki());
    ASSERT_TRUE(loaded.ok());
    auto config = std::move(loaded).value();
    config.client = protocols::XroadClientId::parse("TW/GOV/NOBODY/x").value();
    PlatformClient client(transport.value(), config, nullptr);
    auto programs = client.listPrograms();
    ASSERT_FALSE(programs.ok());
    const auto raw = programs.status().detail()["xroad_error_type"].get<std::string>();
    EXPECT_EQ(raw, "server.clientproxy.unknown_member");
    EXPECT_TRUE(XroadErrorType(raw).is(XroadErrorType::kUnknownMember));
}

TEST_F(TroadSimTest, TrustedCertificateOfAnotherSystemFailsSslAuthentication) {
    auto config = transportConfig(sim_->port());
    config.cert_file = pki() + "/terminals/atm-0001.pem";
    config.key_file = pki() + "/terminals/atm-0001.key";
    auto transport = PocoTroadTransport::create(config);
    ASSERT_TRUE(transport.ok());
    auto client_config = PlatformClientConfig::fromPkiDir(pki());
    ASSERT_TRUE(client_config.ok());
    PlatformClient client(transport.value(), client_config.value(), nullptr);
    auto programs = client.listPrograms();
    ASSERT_FALSE(programs.ok());
    const XroadErrorType type(programs.status().detail()["xroad_error_type"].get<std::string>());
    EXPECT_TRUE(type.is(XroadErrorType::kSslAuthenticationFailed));
}

TEST_F(TroadSimTest, MissingClientCertificateIsRefusedAtTheHandshake) {
    auto config = transportConfig(sim_->port());
    config.cert_file.clear();
    config.key_file.clear();
    auto transport = PocoTroadTransport::create(config);
    ASSERT_TRUE(transport.ok()) << transport.status().message();
    auto client_config = PlatformClientConfig::fromPkiDir(pki());
    ASSERT_TRUE(client_config.ok());
    PlatformClient client(transport.value(), client_config.value(), nullptr);
    auto programs = client.listPrograms();
    ASSERT_FALSE(programs.ok());
    EXPECT_EQ(troadFailureOf(programs.status()), TroadFailure::transport);
}

TEST_F(TroadSimTest, ResponseLargerThanTheLimitIsRefused) {
    auto config = transportConfig(sim_->port());
    config.response_bytes_max = 200;  // a roster page of 10 entries is larger
    auto transport = PocoTroadTransport::create(config);
    ASSERT_TRUE(transport.ok());
    PlatformClient client(transport.value(), PlatformClientConfig::fromPkiDir(pki()).value(),
                          nullptr);
    auto page = client.fetchRosterPage("CASH2023", "", 10);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.status().code(), ErrorCode::body_too_large);
    EXPECT_EQ(troadFailureOf(page.status()), TroadFailure::malformed_reply);
    // The half-read connection was dropped, not reused: the next call gets a clean answer of
    // its own (here also over the limit), not the leftover bytes of the roster page.
    auto programs = client.listPrograms();
    ASSERT_FALSE(programs.ok());
    EXPECT_EQ(programs.status().code(), ErrorCode::body_too_large);
    EXPECT_EQ(troadFailureOf(programs.status()), TroadFailure::malformed_reply);
}

TEST_F(TroadSimTest, TransportRetriesABoundedNumberOfTimes) {
    TroadSimProcess gone;
    ASSERT_TRUE(
        gone.start(simBinary(), simArgs(dir_->file("state-gone")), dir_->file("sim-gone.err")))
        << gone.error();
    const auto port = gone.port();
    gone.stop();  // nobody listens on `port` any more
    auto config = transportConfig(port);
    config.attempts = 2;
    config.retry_backoff = std::chrono::milliseconds(1);
    auto transport = PocoTroadTransport::create(config);
    ASSERT_TRUE(transport.ok());
    PlatformClient client(transport.value(), PlatformClientConfig::fromPkiDir(pki()).value(),
                          nullptr);
    auto programs = client.listPrograms();
    ASSERT_FALSE(programs.ok());
    EXPECT_EQ(troadFailureOf(programs.status()), TroadFailure::transport);
    EXPECT_NE(programs.status().message().find("after 2 attempts"), std::string::npos)
        << programs.status().message();
}

TEST_F(TroadSimTest, WrongProtocolVersionIsAnXroadError) {
    auto transport = PocoTroadTransport::create(transportConfig(sim_->port()));
    ASSERT_TRUE(transport.ok());
    protocols::XroadRequest request;
    request.method = "GET";
    request.target = "/r2/TW/GOV/PLATFORM/disburse/programs";
    request.headers.set("X-Road-Client", kDefaultGatewayClientId);
    auto response = transport.value()->send(request);
    ASSERT_TRUE(response.ok()) << response.status().message();
    auto error = response->xroadError();
    ASSERT_TRUE(error.has_value());
    EXPECT_TRUE(error->type.is(XroadErrorType::kInvalidRequest));
    EXPECT_FALSE(error->detail.empty());

    request.target = "/r1/TW/GOV/PLATFORM/disburse/programs";
    request.headers.remove("X-Road-Client");
    response = transport.value()->send(request);
    ASSERT_TRUE(response.ok());
    ASSERT_TRUE(response->xroadError().has_value());
    EXPECT_TRUE(response->xroadError()->type.is(XroadErrorType::kInvalidClientIdentifier));

    request.headers.set("X-Road-Client", kDefaultGatewayClientId);
    request.headers.set("X-Road-Id", "my-own-id");
    request.headers.set("X-Road-Request-Id", "client-chosen");
    response = transport.value()->send(request);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->xRoadId(), "my-own-id");
    EXPECT_NE(response->requestId(), "client-chosen");  // the SS's own, always
    EXPECT_EQ(response->headers.get("X-Road-Service"), "TW/GOV/PLATFORM/disburse/programs");
}

}  // namespace
}  // namespace claimgate::troad
