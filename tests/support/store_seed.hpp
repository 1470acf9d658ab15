// File: store_seed.hpp
// Seeds any LedgerStore (SQLite or PostgreSQL) with programs and rosters, HMAC-ing IDs with a
// given pepper exactly as the gateway does, or through the gateway's CLI; and writes a shared
// pepper file for several nodes.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include "ledger_seed.hpp"

#include <map>
#include <string>
#include <vector>

namespace claimgate::testing {

/// Writes 32 random bytes to `path` (mode 0600) and returns them. Throws on failure.
std::string writePepperFile(const std::string& path);

/// Puts `program_jsons` and `rosters` into `store` in one transaction. Throws on failure.
void seedStore(gateway::LedgerStore& store, const std::string& pepper,
               const std::vector<std::string>& program_jsons,
               const std::map<std::string, std::vector<RosterEntry>>& rosters);

/// Puts program kProgramMain (6000, every channel, open 2020-2099) and a plain roster of
/// `citizen_ids` into `ledger` through the gateway's own CLI (`program put`, `roster import`
/// with `--pepper-file`), its files under `work_dir`. Throws with the CLI's output on failure.
void importThroughCli(const std::string& work_dir, const std::string& ledger,
                      const std::string& pepper_file, const std::vector<std::string>& citizen_ids);

/// Plain roster entries (no NHI, claim_by self: every channel may serve them).
[[nodiscard]] std::vector<RosterEntry> plainEntries(const std::vector<std::string>& citizen_ids);

}  // namespace claimgate::testing
