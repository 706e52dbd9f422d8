# SluiceLibrary.cmake - the library as it is shipped: the generated
# sluice/version.h, libsluice.so (SONAME libsluice.so.0, exporting only the
# public sluice_* API through libsluice.map) made whole from the static
# libsluice.a that the parts fill, and the install of both with headers,
# sluice.pc and the CMake package (sluiceConfig.cmake, sluice::sluice).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Programs installed in bin/ find the library and plugins relative to
# themselves, so a moved prefix keeps working -- unless the library goes
# where the dynamic linker looks anyway (/usr/lib/<triplet> of the Debian
# package), where a RUNPATH would only be one more place to search, and one
# Debian forbids.
file(RELATIVE_PATH _sluice_bin_to_lib
  ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR} ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR})
if(NOT CMAKE_INSTALL_FULL_LIBDIR IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
  set(CMAKE_INSTALL_RPATH "$ORIGIN/${_sluice_bin_to_lib}")
endif()

configure_file(${PROJECT_SOURCE_DIR}/include/sluice/version.h.in
  ${PROJECT_BINARY_DIR}/include/sluice/version.h @ONLY)
target_include_directories(sluice PUBLIC ${PROJECT_BINARY_DIR}/include)

set(SLUICE_SOVERSION 0)
# Its objects all come from libsluice.a (whole archive); the header is
# listed only because a target needs a source.
add_library(sluice_shared SHARED ${PROJECT_BINARY_DIR}/include/sluice/version.h)
add_library(sluice::sluice ALIAS sluice_shared)
target_link_libraries(sluice_shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,sluice>")
target_link_options(sluice_shared PRIVATE
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/libsluice.map)
# Every symbol resolved at link time, except in sanitizer builds, where
# the sanitizers' runtimes come with the program, not with the library.
if(NOT SLUICE_SANITIZE)
  target_link_options(sluice_shared PRIVATE -Wl,--no-undefined)
endif()
target_include_directories(sluice_shared PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(sluice_shared PROPERTIES
  OUTPUT_NAME sluice EXPORT_NAME sluice LINKER_LANGUAGE C INSTALL_RPATH ""
  VERSION ${PROJECT_VERSION} SOVERSION ${SLUICE_SOVERSION}
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/libsluice.map)

# Components: the packages (cmake/SluicePackage.cmake): libsluice.so.0 is
# the runtime (lib), all the rest here is for building against it (dev).
install(TARGETS sluice_shared EXPORT sluiceTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS sluice ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sluice
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/sluice/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sluice COMPONENT dev)

# The CMake package: lib/cmake/sluice/.
set(SLUICE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)
install(EXPORT sluiceTargets NAMESPACE sluice:: DESTINATION ${SLUICE_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sluiceConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sluiceConfig.cmake INSTALL_DESTINATION ${SLUICE_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_DATADIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
  ${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/sluiceHelpers.cmake
  DESTINATION ${SLUICE_CMAKE_DIR} COMPONENT dev)

# pkg-config: lib/pkgconfig/sluice.pc, relative to its own location.
file(RELATIVE_PATH SLUICE_PC_TO_PREFIX
  ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(${PROJECT_SOURCE_DIR}/cmake/sluice.pc.in ${PROJECT_BINARY_DIR}/sluice.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sluice.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT dev)
