# vigil's install rules, all COMPONENT vigil (the vigil Debian package, cmake/packaging.cmake):
#   bin/vigil
#   share/vigil/{rules,web,config,models}   the bundled files, found next to the executable at run time
#                                           (src/paths/bundled_files.hpp)
#   <sysconfdir>/vigil/vigil.yaml           deploy/config/vigil.yaml, the production configuration the unit
#                                           runs with; <sysconfdir> follows GNUInstallDirs at install time:
#                                           /etc for the prefix /usr (the package), <prefix>/etc otherwise
#   lib/systemd/system/vigil.service        deploy/systemd/vigil.service
#   share/man/man1/vigil.1                  help2man from --help (cmake/man_page.cmake)
#   share/doc/vigil/                        deploy.md, the notify-reload drop-in, the copyright file
install(TARGETS vigil RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT vigil)
# Debug sections name the build directory (DW_AT_comp_dir), and an installed vigil must name no path of
# the checkout: they are stripped on every install, not only with --strip (the build tree keeps them).
option(VIGIL_INSTALL_DEBUG_INFO "Keep debug sections in an installed vigil (they name the build directory)" OFF)
if(NOT VIGIL_INSTALL_DEBUG_INFO)
  install(CODE "execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/vigil\" COMMAND_ERROR_IS_FATAL ANY)" COMPONENT vigil)
endif()
install(DIRECTORY rules web config models DESTINATION ${CMAKE_INSTALL_DATADIR}/vigil COMPONENT vigil
  PATTERN regenerate EXCLUDE)
string(CONFIGURE [[
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(_vigil_etc /etc)
  elseif(CMAKE_INSTALL_PREFIX MATCHES "^/opt/")
    set(_vigil_etc /etc${CMAKE_INSTALL_PREFIX})
  else()
    set(_vigil_etc ${CMAKE_INSTALL_PREFIX}/etc)
  endif()
  file(INSTALL "@PROJECT_SOURCE_DIR@/deploy/config/vigil.yaml" DESTINATION "${_vigil_etc}/vigil")  # DESTDIR: added by file(INSTALL)
]] _install_etc @ONLY)
install(CODE "${_install_etc}" COMPONENT vigil)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/vigil.service DESTINATION lib/systemd/system COMPONENT vigil)
install(FILES ${PROJECT_SOURCE_DIR}/docs/deploy.md ${PROJECT_SOURCE_DIR}/deploy/systemd/notify-reload.conf
  ${PROJECT_SOURCE_DIR}/packaging/copyright
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/vigil COMPONENT vigil)
lifespan_man_page(vigil vigil "detects attacks in nginx access logs")
