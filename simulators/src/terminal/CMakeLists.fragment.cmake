# The terminal engine here and the atm, kiosk and counter commands that use it drive sessions
# through the terminal SDK (shared library). Without the SDK (CG_BUILD_SDK=OFF) all four folders'
# sources are left out instead of failing the link (this folder is globbed after them).
if(TARGET claimgate::sdk)
  list(APPEND CG_SIM_LIBS claimgate::sdk)
else()
  cmake_path(GET CMAKE_CURRENT_LIST_DIR PARENT_PATH cg_sim_src_dir)
  foreach(sdk_folder terminal atm kiosk counter)
    file(GLOB CG_SIM_SDK_COMMAND_SOURCES ${cg_sim_src_dir}/${sdk_folder}/*.cpp)
    list(REMOVE_ITEM CG_SIM_SOURCES ${CG_SIM_SDK_COMMAND_SOURCES})
  endforeach()
endif()
