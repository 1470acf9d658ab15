// File: sdk_test_world.cpp
#include "sdk_test_world.hpp"

#include "store_seed.hpp"
#include "test_citizens.hpp"
#include "test_pki.hpp"

#include <sqlite3.h>

#include <csignal>
#include <filesystem>
#include <fstream>

namespace claimgate::sdk::testing {

using claimgate::testing::binDir;
using claimgate::testing::runCommand;
using claimgate::testing::TestPki;

SdkTestWorld::SdkTestWorld(std::uint32_t citizens, std::string ledger_uri)
    : dir_("cg-sdk-world"), ledger_uri_(std::move(ledger_uri)) {
    for (std::uint32_t i = 0; i < citizens; ++i) {
        WorldCitizen citizen;
        citizen.id = claimgate::testing::nationalId(700000 + i, 'F', '1');
        citizen.nhi = claimgate::testing::nhiCardNumber(700000 + i);
        if (i % 10 == 9) {
            citizen.proxy = claimgate::testing::nationalId(900000 + i, 'H', '2');
        }
        citizens_.push_back(std::move(citizen));
    }
}

SdkTestWorld::~SdkTestWorld() {
    stopGateway();
    if (peer_ && peer_->running()) {
        (void)peer_->terminate();
    }
}

std::vector<std::string> SdkTestWorld::ledgerArgs() const {
    if (ledger_uri_.empty()) {
        return {};
    }
    return {"--ledger", ledger_uri_, "--pepper-file", dir_.file("pepper")};
}

bool SdkTestWorld::setUp(std::string& error) {
    std::filesystem::create_directories(dataDir());
    if (!ledger_uri_.empty()) {
        (void)claimgate::testing::writePepperFile(dir_.file("pepper"));
    }
    {
        std::ofstream program(dir_.file("program.json"));
        program << R"({"id": ")" << kProgram << R"(", "name": "SDK test", "amount": )" << kAmount
                << R"(, "currency": "TWD", "channels": ["atm", "kiosk", "counter"],)"
                << R"( "opens_at": "2020-01-01T00:00:00+08:00",)"
                << R"( "closes_at": "2099-12-31T23:59:59+08:00", "hold_ttl_s": 600,)"
                << R"( "kiosk_hold_ttl_s": 1800, "excludes": []})"
                << "\n";
        std::ofstream roster(rosterCsv());
        roster << "citizen_id,nhi_card_no,amount,proxies,claim_by\n";
        for (const auto& citizen : citizens_) {
            roster << citizen.id << ',' << citizen.nhi << ",," << citizen.proxy << ','
                   << (citizen.proxy.empty() ? "" : "either") << '\n';
        }
    }
    const std::string gateway = binDir() + "/claimgate-gateway";
    std::vector<std::string> put_args = {gateway, "program", "put", "--data-dir", dataDir()};
    for (const auto& arg : ledgerArgs()) {
        put_args.push_back(arg);
    }
    put_args.push_back(dir_.file("program.json"));
    auto put = runCommand(put_args, dir_.file("program-put.log"));
    if (put.exit_code != 0) {
        error = "program put: " + put.output;
        return false;
    }
    std::vector<std::string> import_args = {gateway,   "roster",    "import", "--data-dir",
                                            dataDir(), "--program", kProgram};
    for (const auto& arg : ledgerArgs()) {
        import_args.push_back(arg);
    }
    import_args.push_back(rosterCsv());
    auto import = runCommand(import_args, dir_.file("roster-import.log"));
    if (import.exit_code != 0) {
        error = "roster import: " + import.output;
        return false;
    }
    return restartGateway(error);
}

bool SdkTestWorld::restartGateway(std::string& error) {
    if (!gateway_) {
        std::filesystem::create_directories(dir_.file("logs"));
        gateway_ = std::make_unique<claimgate::testing::GatewayProcess>(
            dataDir(), TestPki::shared().dir(), dir_.file("logs"), ledgerArgs());
    }
    if (!gateway_->start()) {
        error = "gateway start: " + gateway_->error() + "\n" + gateway_->allLogs();
        return false;
    }
    return true;
}

void SdkTestWorld::killGateway() {
    if (gateway_ && gateway_->running()) {
        gateway_->kill9();
    }
}

void SdkTestWorld::freezeGateway() {
    if (gateway_) {
        (void)gateway_->freeze();
    }
}

void SdkTestWorld::thawGateway() {
    if (gateway_) {
        (void)gateway_->sendSignal(SIGCONT);
    }
}

void SdkTestWorld::stopGateway() {
    if (gateway_ && gateway_->running()) {
        (void)gateway_->sendSignal(SIGCONT);  // a frozen gateway cannot act on SIGTERM
        (void)gateway_->terminate();
    }
}

std::string SdkTestWorld::gatewayUrl() const {
    return "https://127.0.0.1:" + std::to_string(gateway_->apiPort());
}

std::uint16_t SdkTestWorld::gatewayPort() const { return gateway_->apiPort(); }

bool SdkTestWorld::startPeer(std::string& error) {
    if (ledger_uri_.empty()) {
        error = "a peer needs a shared (PostgreSQL) ledger";
        return false;
    }
    std::filesystem::create_directories(dir_.file("peer-data"));
    std::filesystem::create_directories(dir_.file("peer-logs"));
    peer_ = std::make_unique<claimgate::testing::GatewayProcess>(
        dir_.file("peer-data"), TestPki::shared().dir(), dir_.file("peer-logs"), ledgerArgs());
    if (!peer_->start()) {
        error = "peer start: " + peer_->error() + "\n" + peer_->allLogs();
        return false;
    }
    return true;
}

std::string SdkTestWorld::peerUrl() const {
    return "https://127.0.0.1:" + std::to_string(peer_->apiPort());
}

const std::string& SdkTestWorld::pkiDir() const { return TestPki::shared().dir(); }

std::map<std::string, std::int64_t> SdkTestWorld::claimStatusCounts() {
    std::map<std::string, std::int64_t> counts;
    sqlite3* db = nullptr;
    const std::string path = dataDir() + "/ledger.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT status, COUNT(*) FROM claims GROUP BY status", -1, &stmt,
                               nullptr) == SQLITE_OK) {
            while (sqlite3_step(stmt) == SQLITE_ROW) {
                counts[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] =
                    sqlite3_column_int64(stmt, 1);
            }
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return counts;
}

std::int64_t SdkTestWorld::citizensPaidMoreThanOnce() {
    std::int64_t twice = -1;
    sqlite3* db = nullptr;
    const std::string path = dataDir() + "/ledger.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db,
                               "SELECT COUNT(*) FROM (SELECT citizen_key FROM claims WHERE"
                               " status = 'paid' GROUP BY program, citizen_key"
                               " HAVING COUNT(*) > 1)",
                               -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            twice = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return twice;
}

}  // namespace claimgate::sdk::testing
