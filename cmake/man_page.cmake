# lifespan_man_page(<target> <component> "<one-line description>"): a section-1 man page generated with
# help2man from the built program's --help and --version (Debian's help2man), gzipped and installed
# with <component> under share/man/man1. Built with the program (ALL), so a package always carries it. Without
# help2man the page is skipped with a warning; scripts/setup.sh installs it for the test profile.
find_program(LIFESPAN_HELP2MAN help2man)
function(lifespan_man_page target component description)
  if(NOT LIFESPAN_HELP2MAN)
    message(STATUS "help2man not found: no man page for ${target} (apt-get install help2man)")
    return()
  endif()
  set(page ${CMAKE_CURRENT_BINARY_DIR}/${target}.1)
  add_custom_command(OUTPUT ${page}.gz
    COMMAND ${LIFESPAN_HELP2MAN} --no-info --no-discard-stderr --section=1 --name=${description}
      --output=${page} $<TARGET_FILE:${target}>
    COMMAND gzip -9nf ${page}  # Debian policy: compressed, no timestamp
    DEPENDS ${target}
    COMMENT "help2man: ${target}.1" VERBATIM)
  add_custom_target(${target}_man ALL DEPENDS ${page}.gz)
  install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${component})
endfunction()
