// File: index_snapshot.hpp
// A verified copy of the eligibility index's roster part on disk, so that a node restarts in
// seconds instead of re-reading a national roster from the database (contracts §6, fast
// start). The file holds citizen keys and NHI tags only (HMACs, never an ID), tagged with the
// roster version it reflects and closed by a SHA-256 of everything before it. Claim states are
// not in it: they are read from the ledger at start, as after a full load.
//
// On start: a snapshot that is missing, damaged, from another format, or for another set of
// programs is ignored (the index is built from the database); an older roster version is
// fine: the roster follower applies the versions after it.
#pragma once

#include <claimgate/gateway/eligibility_index.hpp>

#include <claimgate/protocols/program.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace claimgate::gateway {

class IndexSnapshot {
public:
    struct Loaded {
        EligibilityIndex::Programs programs;
        std::int64_t version = 0;
    };

    /// Writes `index` (tagged `version`) to `path` through a temporary file and a rename, so
    /// a crash leaves the old snapshot or the new one. Call from the roster writer's thread.
    static protocols::Status write(const std::string& path, const EligibilityIndex& index,
                                   std::int64_t version);
    /// Reads and verifies `path` against the ledger's `programs` (their definitions come from
    /// the ledger, the rosters from the file). Errors say why it cannot be used.
    static protocols::Result<Loaded> read(const std::string& path,
                                          const std::vector<protocols::Program>& programs);
};

}  // namespace claimgate::gateway
