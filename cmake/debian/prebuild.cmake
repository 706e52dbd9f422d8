# prebuild.cmake - run by CPack (CPACK_PRE_BUILD_SCRIPTS) on the staged
# install tree before the .deb files are made, for what Debian ships and a
# plain `cmake --install` does not do:
#  - manual pages compressed with gzip -9n (no name, no time stamp:
#    reproducible);
#  - ELF files without .comment and .note, static libraries without debug
#    information (as dh_strip does; CPACK_STRIP_FILES strips the symbols
#    of programs and shared objects but leaves those).
set(strip "${CPACK_SLUICE_STRIP}")
foreach(dir IN ITEMS "${CPACK_TEMPORARY_DIRECTORY}" "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
  if(NOT dir OR NOT IS_DIRECTORY "${dir}")
    continue()
  endif()
  file(GLOB_RECURSE files LIST_DIRECTORIES false "${dir}/*")
  foreach(f IN LISTS files)
    if(IS_SYMLINK "${f}")
      continue()
    endif()
    set(cmd "")
    if(f MATCHES "/share/man/man[1-9]/[^/]+$" AND NOT f MATCHES "\\.gz$")
      set(cmd gzip -9nf "${f}")
    elseif(strip AND f MATCHES "\\.a$")
      set(cmd "${strip}" --strip-debug --remove-section=.comment --remove-section=.note
        --enable-deterministic-archives "${f}")
    elseif(strip)
      file(READ "${f}" magic LIMIT 4 HEX)
      if(magic STREQUAL "7f454c46")
        set(cmd "${strip}" --remove-section=.comment --remove-section=.note "${f}")
      endif()
    endif()
    if(cmd)
      execute_process(COMMAND ${cmd} RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${cmd} failed")
      endif()
    endif()
  endforeach()
endforeach()
