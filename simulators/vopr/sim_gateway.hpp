// File: sim_gateway.hpp
// The gateway as the simulation runs it: the real SQLite ledger store (behind FaultyLedgerStore),
// claim engine, group committer, eligibility index and claim service, on a manual clock, without
// HTTP. handle() routes an SDK request the way the HTTP front end does (same paths, same
// service calls). A process crash is the destruction of this object (nothing is flushed: the
// ledger holds what was committed) and a new one on the same file.
#pragma once

#include <claimgate/ledger/clock.hpp>

#include "faulty_ledger_store.hpp"
#include "transport.hpp"
#include <claimgate/gateway/claim_reader.hpp>
#include <claimgate/gateway/claim_service.hpp>
#include <claimgate/gateway/eligibility_index.hpp>
#include <claimgate/gateway/metrics.hpp>
#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/group_committer.hpp>

#include <memory>
#include <string>

namespace claimgate::vopr {

class SimGateway {
public:
    /// Opens the ledger (throws LedgerStoreError while the database is down).
    SimGateway(std::string ledger_path, std::string pepper,
               std::shared_ptr<gateway::ManualClock> clock, StoreFaults& faults);
    ~SimGateway();

    /// Answers one request from a terminal (identity as its certificate would give it).
    sdk::HttpReply handle(const gateway::TerminalIdentity& terminal,
                          const sdk::HttpRequest& request);
    /// Held past TTL -> in_doubt, as the sweep timer does.
    void sweep();

private:
    void close();

    std::string ledger_path_;
    std::string pepper_;
    std::shared_ptr<gateway::ManualClock> clock_;
    StoreFaults& faults_;
    std::unique_ptr<FaultyLedgerStore> store_;
    gateway::Metrics metrics_;
    std::unique_ptr<gateway::EligibilityIndex> index_;
    std::unique_ptr<gateway::ClaimEngine> engine_;
    std::unique_ptr<gateway::GroupCommitter> committer_;
    std::unique_ptr<gateway::ClaimReader> reader_;
    std::unique_ptr<gateway::ClaimService> service_;
};

}  // namespace claimgate::vopr
