// The C ABI under bad input: NULL pointers, missing files and fields, bad IDs give a clear
// status and cg_last_error, never a crash. Uses the shared library like a vendor would.
#include "shell.hpp"

#include <claimgate/sdk.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>

namespace claimgate::sdk::abi {
namespace {

class CApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        pki_ = new std::filesystem::path(makeTempDir("sdk-pki"));
        const auto made = runShell(std::string(CG_ABI_HERE) + "/../../../certs/dev-pki.sh " +
                                   (*pki_ / "pki").string());
        ASSERT_EQ(made.exit_code, 0) << made.output;
    }
    static void TearDownTestSuite() {
        std::filesystem::remove_all(*pki_);
        delete pki_;
    }

    cg_config config(const std::string& terminal) {
        ca_ = (*pki_ / "pki/ca.pem").string();
        cert_ = (*pki_ / ("pki/terminals/" + terminal + ".pem")).string();
        key_ = (*pki_ / ("pki/terminals/" + terminal + ".key")).string();
        journal_ = (*pki_ / (terminal + "-" + std::to_string(++counter_) + ".journal")).string();
        cg_config c;
        std::memset(&c, 0, sizeof c);
        c.gateway_url = "https://127.0.0.1:1";  // nothing listens on port 1
        c.ca_file = ca_.c_str();
        c.cert_file = cert_.c_str();
        c.key_file = key_.c_str();
        c.journal_path = journal_.c_str();
        c.timeout_ms = 1000;
        return c;
    }

    static std::filesystem::path* pki_;
    static int counter_;
    std::string ca_, cert_, key_, journal_;
};

std::filesystem::path* CApiTest::pki_ = nullptr;
int CApiTest::counter_ = 0;

TEST_F(CApiTest, NullPointersAreRefusedWithoutCrash) {
    cg_client* client = reinterpret_cast<cg_client*>(0x1);
    EXPECT_EQ(cg_client_open(nullptr, &client), CG_INVALID_INPUT);
    EXPECT_EQ(client, nullptr);
    EXPECT_NE(std::string(cg_last_error()).find("config"), std::string::npos);
    cg_config c = config("atm-0001");
    EXPECT_EQ(cg_client_open(&c, nullptr), CG_INVALID_INPUT);
    cg_result result;
    EXPECT_EQ(cg_check(nullptr, "CASH2023", "A123456789", nullptr, nullptr, &result),
              CG_INVALID_INPUT);
    EXPECT_EQ(result.status, CG_INVALID_INPUT);
    EXPECT_STREQ(result.code, "missing_field");
    EXPECT_EQ(cg_reserve(nullptr, "P", "A123456789", nullptr, nullptr, 1, nullptr),
              CG_INVALID_INPUT);
    EXPECT_EQ(cg_commit(nullptr, "c_1", 1, "r", nullptr), CG_INVALID_INPUT);
    EXPECT_EQ(cg_void(nullptr, "c_1", nullptr, nullptr), CG_INVALID_INPUT);
    EXPECT_EQ(cg_pending_advices(nullptr), -1);
    EXPECT_EQ(cg_flush(nullptr, 10), CG_INVALID_INPUT);
    EXPECT_EQ(cg_client_terminal_id(nullptr), nullptr);
    cg_client_close(nullptr);
}

TEST_F(CApiTest, MissingFilesAndFieldsAreConfigErrorsNamingTheProblem) {
    cg_client* client = nullptr;
    cg_config c = config("atm-0001");
    c.cert_file = "/nonexistent/atm.pem";
    EXPECT_EQ(cg_client_open(&c, &client), CG_CONFIG_ERROR);
    EXPECT_NE(std::string(cg_last_error()).find("/nonexistent/atm.pem"), std::string::npos)
        << cg_last_error();
    c = config("atm-0001");
    c.key_file = "/nonexistent/atm.key";
    EXPECT_EQ(cg_client_open(&c, &client), CG_CONFIG_ERROR);
    EXPECT_NE(std::string(cg_last_error()).find("key_file"), std::string::npos) << cg_last_error();
    c = config("atm-0001");
    c.ca_file = nullptr;
    EXPECT_EQ(cg_client_open(&c, &client), CG_CONFIG_ERROR);
    EXPECT_NE(std::string(cg_last_error()).find("ca_file"), std::string::npos);
    c = config("atm-0001");
    c.gateway_url = "http://plain.example";
    EXPECT_EQ(cg_client_open(&c, &client), CG_CONFIG_ERROR);
    EXPECT_NE(std::string(cg_last_error()).find("https"), std::string::npos);
    c = config("atm-0001");
    c.journal_path = "/nonexistent-dir/journal.db";
    EXPECT_EQ(cg_client_open(&c, &client), CG_CONFIG_ERROR);
    EXPECT_NE(std::string(cg_last_error()).find("journal"), std::string::npos);
    c = config("atm-0001");
    c.reserved[3] = 1;
    EXPECT_EQ(cg_client_open(&c, &client), CG_CONFIG_ERROR);
    EXPECT_NE(std::string(cg_last_error()).find("reserved"), std::string::npos);
    c = config("atm-0001");
    c.cert_file = c.ca_file;  // a CA certificate has no terminal OU
    EXPECT_EQ(cg_client_open(&c, &client), CG_CONFIG_ERROR);
    EXPECT_EQ(client, nullptr);
}

TEST_F(CApiTest, OpenReadsIdentityFromCertificateAndUnreachableGatewayIsUnavailable) {
    cg_client* client = nullptr;
    cg_config c = config("kiosk-0001");
    ASSERT_EQ(cg_client_open(&c, &client), CG_OK) << cg_last_error();
    EXPECT_STREQ(cg_client_terminal_id(client), "kiosk-0001");
    EXPECT_STREQ(cg_client_operator(client), "CVS711");
    EXPECT_STREQ(cg_client_channel(client), "kiosk");
    cg_result result;
    EXPECT_EQ(cg_check(client, "CASH2023", "A123456789", nullptr, nullptr, &result),
              CG_UNAVAILABLE);
    EXPECT_EQ(result.http_status, 0);
    EXPECT_EQ(cg_reserve(client, "CASH2023", "A123456789", nullptr, nullptr, 6000, &result),
              CG_UNAVAILABLE);
    EXPECT_EQ(cg_check(client, "CASH2023", "A123456788", nullptr, nullptr, &result),
              CG_INVALID_INPUT);
    EXPECT_STREQ(result.code, "invalid_citizen_id");
    EXPECT_NE(std::string(cg_last_error()).find("invalid_citizen_id"), std::string::npos);
    EXPECT_EQ(cg_check(client, nullptr, nullptr, nullptr, nullptr, &result), CG_INVALID_INPUT);
    EXPECT_EQ(cg_commit(client, nullptr, 6000, "ref", &result), CG_INVALID_INPUT);
    EXPECT_EQ(cg_commit(client, "c_1", -1, "ref", &result), CG_INVALID_INPUT);
    EXPECT_EQ(cg_commit(client, "c_1", 6000, "ref", nullptr), CG_QUEUED)
        << "a NULL result is allowed; the advice is journalled";
    EXPECT_EQ(cg_pending_advices(client), 2) << "the commit and the reserve's reversal";
    cg_client_close(client);
}

TEST(CApiStaticTest, StatusNamesAreTheEnumeratorNames) {
    EXPECT_STREQ(cg_status_name(CG_OK), "CG_OK");
    EXPECT_STREQ(cg_status_name(CG_QUEUED), "CG_QUEUED");
    EXPECT_STREQ(cg_status_name(CG_REFUSED), "CG_REFUSED");
    EXPECT_STREQ(cg_status_name(CG_INVALID_INPUT), "CG_INVALID_INPUT");
    EXPECT_STREQ(cg_status_name(CG_UNAVAILABLE), "CG_UNAVAILABLE");
    EXPECT_STREQ(cg_status_name(CG_CONFIG_ERROR), "CG_CONFIG_ERROR");
    EXPECT_STREQ(cg_status_name(CG_INTERNAL), "CG_INTERNAL");
    EXPECT_STREQ(cg_status_name(static_cast<cg_status>(42)), "CG_UNKNOWN");
    EXPECT_EQ(cg_abi_version(), CG_ABI_VERSION);
    EXPECT_STRNE(cg_version(), "");
}

TEST(CApiStaticTest, LastErrorIsThreadLocal) {
    cg_client* client = nullptr;
    ASSERT_EQ(cg_client_open(nullptr, &client), CG_INVALID_INPUT);
    const std::string mine = cg_last_error();
    EXPECT_FALSE(mine.empty());
    std::string other = "unset";
    std::thread([&other] { other = cg_last_error(); }).join();
    EXPECT_EQ(other, "");
    EXPECT_EQ(std::string(cg_last_error()), mine);
}

}  // namespace
}  // namespace claimgate::sdk::abi
