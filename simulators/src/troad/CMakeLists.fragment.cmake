# claimgate-sim troad: HTTPS security server + payout platform (POCO NetSSL, OpenSSL for
# SHA-512 request hashes).
list(APPEND CG_SIM_LIBS Poco::NetSSL Poco::Net Poco::Crypto Poco::Util Poco::Foundation
  OpenSSL::SSL OpenSSL::Crypto)
