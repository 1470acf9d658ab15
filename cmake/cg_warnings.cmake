# Strict warnings for every claimgate target (house style §8: strictest warnings).
function(cg_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
      -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wconversion
      -Wsign-conversion -Wnull-dereference -Wdouble-promotion -Wformat=2
      -Wimplicit-fallthrough>
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion>)
  if(CG_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
