// File: ledger_probe.hpp
// Is the ledger database reachable? For /readyz (a balancer drains a node that lost its
// database). Two signals: a cheap out-of-band probe (PostgreSQL: PQping, which does not even
// log in; SQLite: the ledger file is still there and writable) and the writer's own evidence
// (batches failing while none succeeds). Called from the runtime's watchdog thread only.
#pragma once

#include <claimgate/ledger/group_committer.hpp>

#include <cstdint>
#include <string>

namespace claimgate::gateway {

/// What one probe saw. The two signals are kept apart because they are not equally fresh:
/// `writer_failing` compares counters with the previous probe, so it can still be true just
/// after another path (a batch, a stats read) has seen the database come back.
struct LedgerProbeResult {
    bool database_answers = false;
    bool writer_failing = false;

    [[nodiscard]] bool reachable() const { return database_answers && !writer_failing; }
};

class LedgerProbe {
public:
    /// `ledger` as given to --ledger; `sqlite_path` is the SQLite ledger file.
    LedgerProbe(std::string ledger, std::string sqlite_path);

    /// One probe now.
    [[nodiscard]] LedgerProbeResult probe(const GroupCommitStats& writer);

private:
    [[nodiscard]] bool pingDatabase() const;

    std::string ledger_;
    std::string sqlite_path_;
    std::string ping_conninfo_;
    std::uint64_t seen_batches_ = 0;
    std::uint64_t seen_failed_ = 0;
};

}  // namespace claimgate::gateway
