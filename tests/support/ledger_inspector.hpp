// File: ledger_inspector.hpp
// Read-only looks into a gateway ledger file through a separate SQLite connection (WAL lets it
// read while the gateway writes), for assertions that "nothing changed" or "paid once".
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace claimgate::testing {

/// SELECT count(*) FROM `table` [WHERE `where`]; throws std::runtime_error on SQL errors.
std::int64_t countRows(const std::string& ledger_path, const std::string& table,
                       const std::string& where = "");
/// hex(citizen_key) -> number of paid claims, for program `program`.
std::map<std::string, std::int64_t> paidClaimsPerCitizen(const std::string& ledger_path,
                                                         const std::string& program);
/// The journal mode the file says it is in ("wal", "delete"), as the next opener finds it.
std::string journalMode(const std::string& ledger_path);
/// PRAGMA integrity_check: "ok", or its complaints one per line.
std::string integrityCheck(const std::string& ledger_path);
/// Runs SQL statements (e.g. to tamper with a test ledger); throws on error.
void execSql(const std::string& ledger_path, const std::string& sql);

}  // namespace claimgate::testing
