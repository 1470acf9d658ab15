# The terminal engine shared by atm, kiosk and counter drives sessions through the terminal SDK
# (shared library). Without the SDK (CG_BUILD_SDK=OFF) the folder's sources are left out.
if(TARGET claimgate::sdk)
  list(APPEND CG_SIM_LIBS claimgate::sdk)
else()
  file(GLOB CG_SIM_SDK_COMMAND_SOURCES ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
  list(REMOVE_ITEM CG_SIM_SOURCES ${CG_SIM_SDK_COMMAND_SOURCES})
endif()
