# CPack: three Debian packages from one build (`make package`, or `cpack -G DEB` in a build directory).
#   vigil           /usr/bin/vigil, /usr/share/vigil, /etc/vigil/vigil.yaml (a conffile), the systemd unit,
#                   the man page; postinst creates the system user vigil and /var/lib/vigil (packaging/)
#   liblifespan-dev headers, static libraries and the CMake package (cmake/lifespan_install.cmake)
#   lifespan-sim    /usr/bin/lifespan-sim and its man page
# Each is one install COMPONENT (vigil, lifespan_dev, lifespan_sim). Shared-library dependencies come
# from dpkg-shlibdeps; the libraries vigil opens at run time (dlopen: SOCI's backends, SQLite, XGBoost)
# are listed by hand, as dpkg-shlibdeps cannot see them. Installed files are stripped (Debian policy),
# which also drops the debug sections that name the build's source paths.
# The install prefix inside the packages is /usr whatever CMAKE_INSTALL_PREFIX says (CPACK_SET_DESTDIR:
# the install scripts run with that prefix, so /etc is chosen for the configuration).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lifespan)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the lifespan authors")
set(CPACK_PACKAGE_CONTACT "lifespan maintainers <security@lifespan.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "lifecycle runtime for C++ services")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)  # cpack (and the package tests) install what is built, never build
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL vigil lifespan_dev lifespan_sim)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # fast to build and read; dpkg-deb -x in the tests

set(CPACK_DEBIAN_VIGIL_PACKAGE_NAME vigil)
set(CPACK_DEBIAN_VIGIL_PACKAGE_DEPENDS "adduser, libsoci-sqlite3-4.0, libsqlite3-0, libxgboost0")
set(CPACK_DEBIAN_VIGIL_PACKAGE_RECOMMENDS "modsecurity-crs, libmodsecurity3, nginx")
set(CPACK_DEBIAN_VIGIL_PACKAGE_SUGGESTS "libsoci-postgresql4.0, libpq5, redis-server")
set(CPACK_COMPONENT_VIGIL_DESCRIPTION "attack detection for nginx access logs
 vigil tails nginx access logs and detects attacks with the OWASP Core Rule Set, its own signatures,
 per-client behaviour windows and an XGBoost model; it stores alerts in SQLite or PostgreSQL, delivers
 them to Redis and webhooks, and shows its own lifecycle on a dashboard. Built on the lifespan runtime.")
# conffiles: every file the package puts under /etc; the maintainer scripts from packaging/ (CPack takes
# each control file's name as it is, so they are copied to their plain names).
set(_control ${PROJECT_BINARY_DIR}/packaging/vigil)
file(WRITE ${_control}/conffiles "/etc/vigil/vigil.yaml\n")
set(CPACK_DEBIAN_VIGIL_PACKAGE_CONTROL_EXTRA ${_control}/conffiles)
foreach(script postinst prerm postrm)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/vigil.${script} ${_control}/${script} COPYONLY)
  list(APPEND CPACK_DEBIAN_VIGIL_PACKAGE_CONTROL_EXTRA ${_control}/${script})
endforeach()
set(CPACK_DEBIAN_VIGIL_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_LIFESPAN_DEV_PACKAGE_NAME liblifespan-dev)
set(CPACK_DEBIAN_LIFESPAN_DEV_PACKAGE_SECTION libdevel)
# What find_package(lifespan) then finds for each area (cmake/lifespan_install.cmake).
set(CPACK_DEBIAN_LIFESPAN_DEV_PACKAGE_DEPENDS "libyaml-cpp-dev, nlohmann-json3-dev, libcli11-dev, libspdlog-dev, \
libfmt-dev, libboost1.81-dev | libboost-dev (>= 1.81), libboost-url1.81-dev | libboost-url-dev (>= 1.81)")
set(CPACK_DEBIAN_LIFESPAN_DEV_PACKAGE_SUGGESTS "prometheus-cpp-dev, libxgboost-dev, libssl-dev, libsoci-dev, \
libsqlite3-dev, libpq-dev, zlib1g-dev, libcurl4-openssl-dev")
set(CPACK_COMPONENT_LIFESPAN_DEV_DESCRIPTION "lifecycle runtime for C++ services (development files)
 lifespan validates a service's component graph and configuration before anything runs, starts
 components in parallel along the graph, reports liveness and readiness, and shuts down in reverse
 order within fixed budgets. Headers, static libraries and the CMake package:
 find_package(lifespan CONFIG REQUIRED COMPONENTS core) and link lifespan::core.")

set(CPACK_DEBIAN_LIFESPAN_SIM_PACKAGE_NAME lifespan-sim)
set(CPACK_DEBIAN_LIFESPAN_SIM_PACKAGE_DEPENDS "libsoci-sqlite3-4.0, libsqlite3-0")
set(CPACK_COMPONENT_LIFESPAN_SIM_DESCRIPTION "synthetic component graphs through the lifespan runtime
 lifespan-sim runs a graph of synthetic components declared in YAML through the real lifespan runtime:
 start and stop durations, failures, hangs and flapping health, for modelling a service's startup.")

# Each package carries the copyright file Debian expects (vigil's: apps/vigil/install.cmake).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/liblifespan-dev
  COMPONENT lifespan_dev)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/lifespan-sim
  COMPONENT lifespan_sim)

include(CPack)
