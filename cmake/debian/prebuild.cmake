# prebuild.cmake - run by CPack (CPACK_PRE_BUILD_SCRIPTS) on the staged
# install tree before the .deb files are made: Debian ships manual pages
# compressed with gzip -9n (no name, no time stamp: reproducible), which a
# plain `cmake --install` does not do.
foreach(dir IN ITEMS "${CPACK_TEMPORARY_DIRECTORY}" "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
  if(dir AND IS_DIRECTORY "${dir}")
    file(GLOB_RECURSE pages LIST_DIRECTORIES false "${dir}/*")
    list(FILTER pages INCLUDE REGEX "/share/man/man[1-9]/[^/]+$")
    foreach(page IN LISTS pages)
      if(NOT page MATCHES "\\.gz$" AND NOT IS_SYMLINK "${page}")
        execute_process(COMMAND gzip -9nf "${page}" RESULT_VARIABLE rc)
        if(NOT rc EQUAL 0)
          message(FATAL_ERROR "gzip -9n ${page} failed")
        endif()
      endif()
    endforeach()
  endif()
endforeach()
