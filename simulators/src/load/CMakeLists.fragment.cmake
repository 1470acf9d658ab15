# claimgate-sim load: keep-alive HTTP and mTLS clients (POCO Net/NetSSL) and a read-only look at
# the ledger file for the double-payout audit (SQLite).
list(APPEND CG_SIM_LIBS Poco::NetSSL Poco::Net Poco::Crypto Poco::Foundation SQLite::SQLite3
  OpenSSL::SSL OpenSSL::Crypto)
