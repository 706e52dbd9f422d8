# SluicePackage.cmake - the Debian packages that `make package` builds with
# CPack (configure with -DCMAKE_INSTALL_PREFIX=/usr, then `cpack -G DEB`).
#
# Split the way Debian splits a C library, one package per install component:
#   libsluice0    (lib)   libsluice.so.0 only, named after its SONAME, so that
#                         a later libsluice1 can be installed beside it
#   libsluice-dev (dev)   headers, libsluice.so, libsluice.a, sluice.pc, the
#                         CMake package and sluicec, which the CMake helpers
#                         call (sluiceConfig.cmake requires it)
#   sluice-tools  (tools) the sluice program, the demo's plugins, schemas and
#                         example pipelines, man pages, bash completion
#   sluice-bench  (bench) sluice-bench alone: it links every benchmark peer
#                         (gRPC, iceoryx, Cap'n Proto, ...) that the build
#                         found, which nobody else should have to install
#   python3-sluice (python) the Python package and its examples: it needs
#                         python3, which the C library and tools do not
# Whatever a part installs without naming a component goes to sluice-tools
# (CMAKE_INSTALL_DEFAULT_COMPONENT_NAME, set in the top CMakeLists.txt).
#
# Debian wants what CMake does not do by itself; done here: stripped
# binaries and static library, gzip -9n man pages (cmake/debian/prebuild.cmake,
# on the staged tree only), /usr/share/doc/<package>/copyright and changelog.Debian.gz
# (install rules that only a component install, as CPack's, runs), shlibs
# and an ldconfig trigger for libsluice0. The programs get no RUNPATH when
# the library directory is one the dynamic linker searches anyway
# (cmake/SluiceLibrary.cmake).
include(GNUInstallDirs)

set(SLUICE_DEB_MAINTAINER "sluice maintainers <maintainers@users.noreply.r-seed-208518e1.example>"
  CACHE STRING "the Maintainer field of the Debian packages")
set(SLUICE_DEB_RELEASE 1 CACHE STRING "the Debian revision of the packages")
set(SLUICE_DEB_VERSION "${PROJECT_VERSION}-${SLUICE_DEB_RELEASE}")

# component -> package
set(SLUICE_DEB_PACKAGES lib libsluice0 dev libsluice-dev tools sluice-tools bench sluice-bench
  python python3-sluice)

# The documentation every package carries. EXCLUDE_FROM_ALL: a plain
# `cmake --install` does not write share/doc/<package>; CPack installs
# component by component, which does.
string(TIMESTAMP SLUICE_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(_deb ${PROJECT_BINARY_DIR}/debian)
configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/copyright.in ${_deb}/copyright @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in ${_deb}/changelog @ONLY)
find_program(SLUICE_GZIP gzip)
if(SLUICE_GZIP)
  execute_process(COMMAND ${SLUICE_GZIP} -9nf -k ${_deb}/changelog RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "gzip ${_deb}/changelog failed")
  endif()
endif()
set(_pkgs ${SLUICE_DEB_PACKAGES})
while(_pkgs)
  list(POP_FRONT _pkgs _comp _pkg)
  if(SLUICE_GZIP)
    install(FILES ${_deb}/changelog.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${_pkg}
      RENAME changelog.Debian.gz COMPONENT ${_comp} EXCLUDE_FROM_ALL)
  endif()
  install(FILES ${_deb}/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${_pkg}
    COMPONENT ${_comp} EXCLUDE_FROM_ALL)
  string(TOUPPER ${_comp} _up)
  set(CPACK_DEBIAN_${_up}_PACKAGE_NAME ${_pkg})
endwhile()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${SLUICE_DEB_MAINTAINER}")
# The prefix the programs were configured for (the compiled-in plugin
# directory, the lib directory) is the one they are packaged under.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SLUICE_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from what the ELF files link (dpkg-shlibdeps); libsluice.so.0 is
# not installed from a package while building, so its dependency comes from
# the component dependencies below, exact version.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_LIBRARY_OUTPUT_DIRECTORY})
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/debian/prebuild.cmake)
set(CPACK_SLUICE_STRIP ${CMAKE_STRIP})

set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/debian/triggers)
set(CPACK_DEBIAN_LIB_DESCRIPTION "zero-copy shared-memory pipelines - shared library
sluice is a C11 toolkit for multi-process data pipelines on one Linux
machine: named shared-memory topics with loan/commit zero copy, stages as
versioned plugins, and FlatBuffers messages built in place.
.
This package contains the shared library libsluice.so.0.")

set(CPACK_COMPONENT_DEV_DEPENDS lib)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# sluice.pc names yaml-0.1, libzstd and liblz4 (Requires.private), and
# libsluice.a needs them to link.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libyaml-dev, libzstd-dev, liblz4-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION "zero-copy shared-memory pipelines - development files
sluice is a C11 toolkit for multi-process data pipelines on one Linux
machine: named shared-memory topics with loan/commit zero copy, stages as
versioned plugins, and FlatBuffers messages built in place.
.
This package contains the headers, the static library, the pkg-config
file, the CMake package (sluice::sluice, sluice_add_plugin() and
sluice_fb_generate()) and the schema compiler sluicec.")

set(CPACK_COMPONENT_TOOLS_DEPENDS lib)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION utils)
# `sluice pub --schema F.fbs` (the installed schemas are .fbs) runs sluicec.
set(CPACK_DEBIAN_TOOLS_PACKAGE_RECOMMENDS libsluice-dev)
set(CPACK_DEBIAN_TOOLS_DESCRIPTION "zero-copy shared-memory pipelines - command-line tools
sluice is a C11 toolkit for multi-process data pipelines on one Linux
machine: named shared-memory topics with loan/commit zero copy, stages as
versioned plugins, and FlatBuffers messages built in place.
.
This package contains the sluice program (run, ls, echo, hz, pub,
inspect, clean, record, play, info), the demo's stage plugins, schemas
and example pipelines, the manual pages and the bash completion.")

set(CPACK_COMPONENT_BENCH_DEPENDS lib)
set(CPACK_DEBIAN_BENCH_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_BENCH_DESCRIPTION "zero-copy shared-memory pipelines - benchmarks
sluice is a C11 toolkit for multi-process data pipelines on one Linux
machine: named shared-memory topics with loan/commit zero copy, stages as
versioned plugins, and FlatBuffers messages built in place.
.
This package contains sluice-bench, which measures sluice's transports
and serialisation beside the peers the build found (ZeroMQ, iceoryx,
D-Bus, gRPC, protobuf-c, Cap'n Proto, ...).")

set(CPACK_COMPONENT_PYTHON_DEPENDS lib)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3")
set(CPACK_DEBIAN_PYTHON_PACKAGE_RECOMMENDS "python3-numpy")
set(CPACK_DEBIAN_PYTHON_DESCRIPTION "zero-copy shared-memory pipelines - Python package
sluice is a C11 toolkit for multi-process data pipelines on one Linux
machine: named shared-memory topics with loan/commit zero copy, stages as
versioned plugins, and FlatBuffers messages built in place.
.
This package contains the sluice Python module (ctypes over
libsluice.so.0, with a C extension for the per-message calls): publishers,
subscribers with zero-copy views of the messages, decoding through each
topic's own schema, and examples.")

include(CPack)
