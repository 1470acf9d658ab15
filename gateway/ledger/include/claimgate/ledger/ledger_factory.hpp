// File: ledger_factory.hpp
// Opens the ledger named on the command line: "sqlite" (the data dir's ledger.db, the default)
// or a PostgreSQL URI ("postgresql://..." / "postgres://..." / "host=... dbname=...").
#pragma once

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/protocols/status.hpp>

#include <string>

namespace claimgate::gateway {

[[nodiscard]] bool isPostgresLedger(const std::string& ledger);

/// Never throws: database errors come back as a Status naming the backend.
[[nodiscard]] protocols::Result<LedgerStorePtr> openLedgerStore(const std::string& data_dir,
                                                                const std::string& ledger);

}  // namespace claimgate::gateway
