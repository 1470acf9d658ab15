// certs/dev-pki.sh: the files of contracts §10/§11, the subjects and extensions terminals are
// authenticated by, a CRL that revokes exactly revoked-0001, and an untrusted CA for tests.
#include <claimgate/protocols/ecdsa_signer.hpp>

#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace claimgate::protocols {
namespace {

namespace fs = std::filesystem;

struct Terminal {
    const char* id;
    const char* operator_id;
    const char* channel;
};

constexpr Terminal kTerminals[] = {
    {"atm-0001", "BANK004", "atm"},         {"atm-0002", "BANK005", "atm"},
    {"atm-0003", "BANK004", "atm"},         {"kiosk-0001", "CVS711", "kiosk"},
    {"pos-0001", "CVS711", "pos"},          {"pos-0002", "CVS952", "pos"},
    {"counter-0001", "POST700", "counter"}, {"revoked-0001", "BANK004", "atm"},
};

struct X509Free {
    void operator()(X509* certificate) const { X509_free(certificate); }
};
struct CrlFree {
    void operator()(X509_CRL* crl) const { X509_CRL_free(crl); }
};
struct FileClose {
    void operator()(FILE* file) const { std::fclose(file); }
};

std::unique_ptr<X509, X509Free> loadCertificate(const fs::path& path) {
    std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "rb"));
    if (!file) return nullptr;
    return std::unique_ptr<X509, X509Free>(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
}

std::string nameField(X509* certificate, int nid) {
    char buffer[256] = {};
    const int length =
        X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), nid, buffer, sizeof buffer);
    return length < 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(length));
}

int runShell(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string sourceDir() {
    const char* dir = std::getenv("CG_SOURCE_DIR");
    return dir != nullptr ? dir : CG_TEST_SOURCE_DIR;
}

class DevPkiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new fs::path(fs::temp_directory_path() /
                             ("cg-dev-pki-test-" + std::to_string(::getpid())));
        fs::remove_all(*root_);
        fs::create_directories(*root_);
        const auto started = std::chrono::steady_clock::now();
        script_status_ = runShell(sourceDir() + "/certs/dev-pki.sh " + pki().string() + " >" +
                                  (*root_ / "stdout.txt").string() + " 2>&1");
        seconds_ =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    static void TearDownTestSuite() {
        fs::remove_all(*root_);
        delete root_;
        root_ = nullptr;
    }
    void SetUp() override { ASSERT_EQ(script_status_, 0) << "dev-pki.sh failed"; }

    static fs::path pki() { return *root_ / "pki"; }

    static int verify(const std::string& ca, const std::string& certificate, bool crl = true) {
        return runShell("openssl verify -CAfile " + (pki() / ca).string() +
                        (crl ? " -crl_check -CRLfile " + (pki() / "crl.pem").string() : "") + " " +
                        (pki() / certificate).string() + " >/dev/null 2>&1");
    }

    static fs::path* root_;
    static int script_status_;
    static double seconds_;
};

fs::path* DevPkiTest::root_ = nullptr;
int DevPkiTest::script_status_ = -1;
double DevPkiTest::seconds_ = 0;

TEST_F(DevPkiTest, WritesEveryFileOfTheDesignQuickly) {
    std::vector<std::string> files = {"ca.pem",
                                      "ca.key",
                                      "gateway.pem",
                                      "gateway.key",
                                      "receipt.pem",
                                      "receipt.key",
                                      "crl.pem",
                                      "troad/server.pem",
                                      "troad/server.key",
                                      "troad/client.pem",
                                      "troad/client.key",
                                      "troad/platform.pem",
                                      "troad/platform.key",
                                      "untrusted/ca.pem",
                                      "untrusted/client.pem",
                                      "untrusted/client.key"};
    for (const auto& terminal : kTerminals) {
        files.push_back(std::string("terminals/") + terminal.id + ".pem");
        files.push_back(std::string("terminals/") + terminal.id + ".key");
    }
    for (const auto& file : files) {
        SCOPED_TRACE(file);
        ASSERT_TRUE(fs::is_regular_file(pki() / file));
        struct stat info {};
        ASSERT_EQ(::stat((pki() / file).c_str(), &info), 0);
        if (file.size() > 4 && file.substr(file.size() - 4) == ".key") {
            EXPECT_EQ(info.st_mode & 0777, 0600u) << "private keys are owner-only";
        } else {
            EXPECT_EQ(info.st_mode & 0077, 0044u) << "certificates are world-readable";
        }
    }
    EXPECT_FALSE(fs::exists(pki() / "untrusted" / "ca.key")) << "nobody may sign as the unknown CA";
    EXPECT_LT(seconds_, 3.0);
}

TEST_F(DevPkiTest, TerminalsCarryIdOperatorAndChannelAndVerify) {
    for (const auto& terminal : kTerminals) {
        SCOPED_TRACE(terminal.id);
        const auto certificate =
            loadCertificate(pki() / "terminals" / (std::string(terminal.id) + ".pem"));
        ASSERT_TRUE(certificate);
        EXPECT_EQ(nameField(certificate.get(), NID_commonName), terminal.id);
        EXPECT_EQ(nameField(certificate.get(), NID_organizationName), terminal.operator_id);
        EXPECT_EQ(nameField(certificate.get(), NID_organizationalUnitName), terminal.channel);
        EXPECT_TRUE(X509_get_extended_key_usage(certificate.get()) & XKU_SSL_CLIENT);
        EXPECT_FALSE(X509_get_extended_key_usage(certificate.get()) & XKU_SSL_SERVER);
        EXPECT_EQ(X509_check_ca(certificate.get()), 0);
        const bool revoked = std::string(terminal.id) == "revoked-0001";
        EXPECT_EQ(verify("ca.pem", std::string("terminals/") + terminal.id + ".pem") == 0,
                  !revoked);
        EXPECT_EQ(verify("ca.pem", std::string("terminals/") + terminal.id + ".pem", false), 0)
            << "without the CRL every terminal chains to the CA";
    }
}

TEST_F(DevPkiTest, ServersHaveLocalhostNamesAndServerAuth) {
    for (const char* file : {"gateway.pem", "troad/server.pem"}) {
        SCOPED_TRACE(file);
        const auto certificate = loadCertificate(pki() / file);
        ASSERT_TRUE(certificate);
        EXPECT_EQ(X509_check_host(certificate.get(), "localhost", 0, 0, nullptr), 1);
        EXPECT_EQ(X509_check_ip_asc(certificate.get(), "127.0.0.1", 0), 1);
        EXPECT_NE(X509_check_host(certificate.get(), "example.com", 0, 0, nullptr), 1);
        EXPECT_TRUE(X509_get_extended_key_usage(certificate.get()) & XKU_SSL_SERVER);
        EXPECT_EQ(verify("ca.pem", file), 0);
    }
    const auto client = loadCertificate(pki() / "troad/client.pem");
    ASSERT_TRUE(client);
    EXPECT_TRUE(X509_get_extended_key_usage(client.get()) & XKU_SSL_CLIENT);
    EXPECT_EQ(verify("ca.pem", "troad/client.pem"), 0);
}

TEST_F(DevPkiTest, CrlRevokesExactlyTheRevokedTerminalAndLastsLong) {
    std::unique_ptr<FILE, FileClose> file(std::fopen((pki() / "crl.pem").c_str(), "rb"));
    ASSERT_TRUE(file);
    std::unique_ptr<X509_CRL, CrlFree> crl(
        PEM_read_X509_CRL(file.get(), nullptr, nullptr, nullptr));
    ASSERT_TRUE(crl);
    const auto revoked_list = X509_CRL_get_REVOKED(crl.get());
    ASSERT_EQ(sk_X509_REVOKED_num(revoked_list), 1);
    const auto revoked = loadCertificate(pki() / "terminals/revoked-0001.pem");
    ASSERT_TRUE(revoked);
    EXPECT_EQ(
        ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked_list, 0)),
                         X509_get0_serialNumber(revoked.get())),
        0);
    // nextUpdate at least five years away: tests must never fail because the CRL expired.
    int days = 0, seconds = 0;
    ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_CRL_get0_nextUpdate(crl.get())), 1);
    EXPECT_GT(days, 5 * 365);
}

TEST_F(DevPkiTest, UntrustedCaIsUnknownToTheDevelopmentCa) {
    const auto client = loadCertificate(pki() / "untrusted/client.pem");
    ASSERT_TRUE(client);
    EXPECT_EQ(nameField(client.get(), NID_commonName), "atm-0001");
    EXPECT_EQ(nameField(client.get(), NID_organizationName), "BANK004");
    EXPECT_EQ(nameField(client.get(), NID_organizationalUnitName), "atm");
    EXPECT_NE(verify("ca.pem", "untrusted/client.pem", false), 0);
    EXPECT_EQ(verify("untrusted/ca.pem", "untrusted/client.pem", false), 0);
}

TEST_F(DevPkiTest, ReceiptAndPlatformKeysSignAndVerify) {
    for (const char* name : {"receipt", "troad/platform"}) {
        SCOPED_TRACE(name);
        // EcdsaSigner refuses anything but P-256, so loading also checks the curve.
        const auto signer =
            EcdsaSigner::fromPemFile((pki() / (std::string(name) + ".key")).string());
        ASSERT_TRUE(signer.ok()) << signer.status().message();
        const auto verifier =
            EcdsaVerifier::fromPemFile((pki() / (std::string(name) + ".pem")).string());
        ASSERT_TRUE(verifier.ok()) << verifier.status().message();
        const std::string message = R"({"claim_id":"c_x","amount":6000})";
        EXPECT_TRUE(verifier.value()->verifyBase64(message, signer.value()->signBase64(message)));
        EXPECT_FALSE(
            verifier.value()->verifyBase64(message + " ", signer.value()->signBase64(message)));
    }
    // Every private key is P-256 (fast handshakes); the signer checks the curve.
    for (const char* key : {"ca.key", "gateway.key", "terminals/atm-0001.key", "troad/server.key",
                            "troad/client.key", "untrusted/client.key"}) {
        EXPECT_TRUE(EcdsaSigner::fromPemFile((pki() / key).string()).ok()) << key;
    }
}

TEST_F(DevPkiTest, RerunReplacesThePkiAndRefusesForeignDirectories) {
    const auto other = *root_ / "again";
    ASSERT_EQ(runShell(sourceDir() + "/certs/dev-pki.sh " + other.string() + " >/dev/null 2>&1"),
              0);
    const auto first = loadCertificate(other / "ca.pem");
    ASSERT_EQ(runShell(sourceDir() + "/certs/dev-pki.sh " + other.string() + " >/dev/null 2>&1"),
              0);
    const auto second = loadCertificate(other / "ca.pem");
    ASSERT_TRUE(first && second);
    EXPECT_NE(X509_cmp(first.get(), second.get()), 0) << "a rerun makes a fresh CA";
    EXPECT_EQ(runShell("openssl verify -CAfile " + (other / "ca.pem").string() + " " +
                       (other / "terminals/atm-0001.pem").string() + " >/dev/null 2>&1"),
              0);
    for (const auto& entry : fs::directory_iterator(*root_)) {
        EXPECT_EQ(entry.path().filename().string().rfind(".dev-pki", 0), std::string::npos)
            << "scratch directory left behind: " << entry.path();
    }

    const auto foreign = *root_ / "foreign";
    fs::create_directories(foreign);
    std::ofstream(foreign / "notes.txt") << "keep me\n";
    EXPECT_NE(runShell(sourceDir() + "/certs/dev-pki.sh " + foreign.string() + " >/dev/null 2>&1"),
              0);
    EXPECT_TRUE(fs::exists(foreign / "notes.txt"));
    EXPECT_FALSE(fs::exists(foreign / "ca.pem"));
    EXPECT_EQ(runShell(sourceDir() + "/certs/dev-pki.sh >/dev/null 2>&1"), 2) << "usage error";
}

}  // namespace
}  // namespace claimgate::protocols
