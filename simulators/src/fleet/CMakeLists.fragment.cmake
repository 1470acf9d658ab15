# claimgate-sim fleet: event-driven mTLS client on Boost.Asio/Beast (header-only in Debian's
# Boost) over OpenSSL.
list(APPEND CG_SIM_LIBS Boost::headers OpenSSL::SSL OpenSSL::Crypto)
# Boost 1.74 Asio's scheduler trips GCC 12's -Wnull-dereference after inlining (a false positive
# inside Boost, as in gateway/CMakeLists.txt); only the files that instantiate Asio get it.
file(GLOB CG_SIM_FLEET_ASIO_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
list(REMOVE_ITEM CG_SIM_FLEET_ASIO_SOURCES ${CMAKE_CURRENT_LIST_DIR}/open_loop_schedule.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fleet_options.cpp)
set_source_files_properties(${CG_SIM_FLEET_ASIO_SOURCES} PROPERTIES COMPILE_OPTIONS
  -Wno-null-dereference)
