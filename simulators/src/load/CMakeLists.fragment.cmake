# claimgate-sim load: event-driven keep-alive HTTP and mTLS clients on Boost.Asio (header-only in
# Debian's Boost) over OpenSSL, POCO for the loopback check of --gateway, and a read-only look at
# the ledger file for the double-payout audit (SQLite).
list(APPEND CG_SIM_LIBS Boost::headers OpenSSL::SSL OpenSSL::Crypto Poco::Net Poco::Foundation
  SQLite::SQLite3)
# Boost 1.74 Asio's scheduler trips GCC 12's -Wnull-dereference after inlining (a false positive
# inside Boost, as in gateway/CMakeLists.txt); only the files that instantiate Asio get it.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/load_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/load_connection.cpp ${CMAKE_CURRENT_LIST_DIR}/load_shard.cpp
  ${CMAKE_CURRENT_LIST_DIR}/load_terminal.cpp ${CMAKE_CURRENT_LIST_DIR}/terminal_tls.cpp
  PROPERTIES COMPILE_OPTIONS -Wno-null-dereference)
