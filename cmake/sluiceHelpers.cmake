# sluiceHelpers.cmake - the installed package's helpers (find_package(sluice)
# includes this file; SLUICE_SLUICEC and SLUICE_PLUGIN_DIR come from
# sluiceConfig.cmake).
#
# sluice_fb_generate(TARGET <name> SCHEMAS a.fbs... [INCLUDE_DIRS dir...])
#   Runs the installed sluicec on each schema into
#   ${CMAKE_CURRENT_BINARY_DIR}/fbgen and makes an INTERFACE library <name>
#   whose users see the generated <schema>_sluice.h headers.
#
# sluice_add_plugin(NAME SOURCES src... [LINK_SLUICE] [OUTPUT_DIR dir]
#                   [DEFINES d...] [OPTIONS o...] [LIBS l...] [INSTALL])
#   Builds a stage plugin NAME.so (MODULE, hidden visibility: the one
#   exported symbol is sluice_plugin_entry). LINK_SLUICE links libsluice.so
#   for the runtime helpers (FlatBuffers builders, erasure). INSTALL installs
#   it into ${CMAKE_INSTALL_LIBDIR}/sluice/plugins of the user's prefix.
include_guard(GLOBAL)

function(sluice_fb_generate)
  cmake_parse_arguments(G "" "TARGET" "SCHEMAS;INCLUDE_DIRS" ${ARGN})
  if(NOT G_TARGET OR NOT G_SCHEMAS)
    message(FATAL_ERROR "sluice_fb_generate: TARGET and SCHEMAS are required")
  endif()
  set(outdir ${CMAKE_CURRENT_BINARY_DIR}/fbgen)
  file(MAKE_DIRECTORY ${outdir})
  set(headers)
  set(incargs)
  foreach(d ${G_INCLUDE_DIRS})
    get_filename_component(d ${d} ABSOLUTE)
    list(APPEND incargs -I ${d})
  endforeach()
  foreach(s ${G_SCHEMAS})
    get_filename_component(abs ${s} ABSOLUTE)
    get_filename_component(base ${s} NAME_WE)
    get_filename_component(sdir ${abs} DIRECTORY)
    file(GLOB deps ${sdir}/*.fbs)
    add_custom_command(
      OUTPUT ${outdir}/${base}_sluice.h
      COMMAND ${SLUICE_SLUICEC} ${incargs} -o ${outdir} ${abs}
      DEPENDS ${SLUICE_SLUICEC} ${abs} ${deps}
      COMMENT "sluicec ${base}.fbs"
      VERBATIM)
    list(APPEND headers ${outdir}/${base}_sluice.h)
  endforeach()
  add_custom_target(${G_TARGET}_gen DEPENDS ${headers})
  add_library(${G_TARGET} INTERFACE)
  add_dependencies(${G_TARGET} ${G_TARGET}_gen)
  target_include_directories(${G_TARGET} INTERFACE ${outdir})
  target_link_libraries(${G_TARGET} INTERFACE sluice::sluice)
endfunction()

function(sluice_add_plugin name)
  cmake_parse_arguments(P "LINK_SLUICE;INSTALL" "OUTPUT_DIR;TARGET"
    "SOURCES;DEFINES;OPTIONS;LIBS" ${ARGN})
  if(NOT P_TARGET)
    set(P_TARGET plugin_${name})
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/plugins)
  endif()
  add_library(${P_TARGET} MODULE ${P_SOURCES})
  # The headers only (the plugin ABI is header-only), unless LINK_SLUICE.
  target_include_directories(${P_TARGET} PRIVATE
    $<TARGET_PROPERTY:sluice::sluice,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_definitions(${P_TARGET} PRIVATE ${P_DEFINES})
  target_compile_options(${P_TARGET} PRIVATE ${P_OPTIONS})
  if(P_LINK_SLUICE)
    target_link_libraries(${P_TARGET} PRIVATE sluice::sluice)
  endif()
  target_link_libraries(${P_TARGET} PRIVATE ${P_LIBS})
  set_target_properties(${P_TARGET} PROPERTIES
    PREFIX "" SUFFIX ".so" OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR}
    # installed beside libsluice.so: <libdir>/sluice/plugins
    INSTALL_RPATH "$ORIGIN/../..")
  if(P_INSTALL)
    include(GNUInstallDirs)
    install(TARGETS ${P_TARGET} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/sluice/plugins)
  endif()
endfunction()
