#include <claimgate/ledger/ledger_factory.hpp>

#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/ledger/postgres_ledger_store.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

namespace claimgate::gateway {

bool isPostgresLedger(const std::string& ledger) {
    return ledger.rfind("postgresql://", 0) == 0 || ledger.rfind("postgres://", 0) == 0 ||
           ledger.find("dbname=") != std::string::npos;
}

protocols::Result<LedgerStorePtr> openLedgerStore(const std::string& data_dir,
                                                  const std::string& ledger) {
    try {
        if (ledger.empty() || ledger == "sqlite") {
            return LedgerStorePtr(
                std::make_unique<SqliteLedgerStore>(DataDir(data_dir).ledgerPath()));
        }
        if (isPostgresLedger(ledger)) {
            return LedgerStorePtr(std::make_unique<PostgresLedgerStore>(ledger));
        }
    } catch (const LedgerStoreError& error) {
        return protocols::Status(protocols::ErrorCode::internal, error.what());
    }
    return protocols::Status(protocols::ErrorCode::bad_field,
                             "--ledger must be sqlite or a postgresql:// URI");
}

}  // namespace claimgate::gateway
