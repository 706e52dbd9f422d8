# sluice_add_plugin(NAME SOURCES src... [OUTPUT_DIR dir] [TARGET t] [LINK_SLUICE]
#                   [DEFINES d...] [OPTIONS o...] [LIBS l...])
# Builds a plugin the way every plugin must be built: a MODULE named
# NAME.so, compiled against include/ only, hidden visibility so that
# sluice_plugin_entry is the one exported symbol. A plugin never depends on
# symbols of the host program; one that wants sluice's helpers (erasure,
# the FlatBuffers runtime) says LINK_SLUICE and gets its own private copy of
# libsluice.a, whose symbols --exclude-libs keeps out of the export table.
# By default it lands in the build tree's plugin directory, which the loader
# searches; test plugins pass their own OUTPUT_DIR.
function(sluice_add_plugin name)
  cmake_parse_arguments(P "LINK_SLUICE" "OUTPUT_DIR;TARGET" "SOURCES;DEFINES;OPTIONS;LIBS" ${ARGN})
  if(NOT P_TARGET)
    set(P_TARGET plugin_${name})
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${SLUICE_PLUGIN_BUILD_DIR})
    set(P_INSTALL ON)
  endif()
  add_library(${P_TARGET} MODULE ${P_SOURCES})
  target_include_directories(${P_TARGET} PRIVATE ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_BINARY_DIR}/include)
  target_compile_definitions(${P_TARGET} PRIVATE ${P_DEFINES})
  target_compile_options(${P_TARGET} PRIVATE ${P_OPTIONS})
  if(P_LINK_SLUICE)
    target_link_libraries(${P_TARGET} PRIVATE sluice)
    target_link_options(${P_TARGET} PRIVATE -Wl,--exclude-libs,ALL)
  endif()
  target_link_libraries(${P_TARGET} PRIVATE ${P_LIBS})
  set_target_properties(${P_TARGET} PROPERTIES
    PREFIX "" SUFFIX ".so" OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR}
    INSTALL_RPATH "")
  if(P_INSTALL)
    # Plugins on the default path are installed where the loader looks.
    install(TARGETS ${P_TARGET} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/sluice/plugins)
  endif()
endfunction()
