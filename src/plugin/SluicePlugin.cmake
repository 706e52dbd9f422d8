# sluice_add_plugin(NAME SOURCES src... [OUTPUT_DIR dir] [DEFINES d...] [OPTIONS o...])
# Builds a plugin the way every plugin must be built: a MODULE named
# NAME.so, compiled with only include/ (plugins never link the host), hidden
# visibility so that sluice_plugin_entry is the one exported symbol. By
# default it lands in the build tree's plugin directory, which the loader
# searches; test plugins pass their own OUTPUT_DIR.
function(sluice_add_plugin name)
  cmake_parse_arguments(P "" "OUTPUT_DIR;TARGET" "SOURCES;DEFINES;OPTIONS" ${ARGN})
  if(NOT P_TARGET)
    set(P_TARGET plugin_${name})
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${SLUICE_PLUGIN_BUILD_DIR})
  endif()
  add_library(${P_TARGET} MODULE ${P_SOURCES})
  target_include_directories(${P_TARGET} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_definitions(${P_TARGET} PRIVATE ${P_DEFINES})
  target_compile_options(${P_TARGET} PRIVATE ${P_OPTIONS})
  set_target_properties(${P_TARGET} PROPERTIES
    PREFIX "" SUFFIX ".so" OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
endfunction()
