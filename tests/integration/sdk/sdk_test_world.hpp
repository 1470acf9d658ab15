// File: sdk_test_world.hpp
// A real gateway for SDK tests: dev PKI, a data dir with a program open now and a roster of
// synthetic citizens (loaded through the gateway's own CLI), the gateway process on port 0, and
// read access to its ledger once it is stopped. With a PostgreSQL URI the ledger is shared and a
// second gateway node (the peer) can join it, for failover tests.
#pragma once

#include "gateway_process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace claimgate::sdk::testing {

struct WorldCitizen {
    std::string id;
    std::string nhi;
    std::string proxy;  ///< parent, empty for self-claimers
};

class SdkTestWorld {
public:
    /// `citizens` roster rows; every 10th has a parent proxy with claim_by either.
    /// `ledger_uri` empty: SQLite in the data dir; else that PostgreSQL database.
    explicit SdkTestWorld(std::uint32_t citizens, std::string ledger_uri = "");
    ~SdkTestWorld();

    /// Program, roster and gateway start; false with `error` on failure.
    bool setUp(std::string& error);
    bool restartGateway(std::string& error);
    void killGateway();
    void stopGateway();
    /// SIGSTOP / SIGCONT: the gateway keeps its sockets but answers nothing.
    void freezeGateway();
    void thawGateway();
    /// A second node on the same (PostgreSQL) ledger; false with `error` on failure.
    bool startPeer(std::string& error);
    [[nodiscard]] std::string peerUrl() const;
    [[nodiscard]] const std::string& ledgerUri() const { return ledger_uri_; }

    [[nodiscard]] std::string gatewayUrl() const;
    [[nodiscard]] std::uint16_t gatewayPort() const;
    [[nodiscard]] const std::string& pkiDir() const;
    [[nodiscard]] const std::vector<WorldCitizen>& citizens() const { return citizens_; }
    [[nodiscard]] std::string rosterCsv() const { return dir_.file("roster.csv"); }
    [[nodiscard]] std::string file(const std::string& name) const { return dir_.file(name); }
    [[nodiscard]] std::string dataDir() const { return dir_.file("data"); }

    /// Claim counts by status, read from the stopped gateway's ledger.db.
    std::map<std::string, std::int64_t> claimStatusCounts();
    /// Citizens (by key) with more than one paid claim: must always be 0.
    std::int64_t citizensPaidMoreThanOnce();

    static constexpr const char* kProgram = "SDKTEST";
    static constexpr std::int64_t kAmount = 6000;

private:
    claimgate::testing::TempDir dir_;
    std::vector<WorldCitizen> citizens_;
    std::string ledger_uri_;
    std::unique_ptr<claimgate::testing::GatewayProcess> gateway_;
    std::unique_ptr<claimgate::testing::GatewayProcess> peer_;

    /// --ledger/--pepper-file for every gateway command when the ledger is shared.
    [[nodiscard]] std::vector<std::string> ledgerArgs() const;
};

}  // namespace claimgate::sdk::testing
