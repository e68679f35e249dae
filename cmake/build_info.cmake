# lifespan_build_info: the version and git revision that `vigil --version` and `lifespan-sim --version`
# print (cmake/build_info/build_info.hpp). The revision is read at every build by a small script, which
# rewrites build_info_revision.cpp only when the revision changed, so a new commit relinks these two
# programs and recompiles one small file, nothing else. Outside a git checkout (a source tarball, a
# package build) the revision is "unknown".
set(_revision_cpp ${PROJECT_BINARY_DIR}/build_info/build_info_revision.cpp)
add_custom_target(lifespan_revision
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${_revision_cpp}
    -P ${CMAKE_CURRENT_LIST_DIR}/build_info/write_revision.cmake
  BYPRODUCTS ${_revision_cpp}
  COMMENT "" VERBATIM)
add_library(lifespan_build_info STATIC ${CMAKE_CURRENT_LIST_DIR}/build_info/build_info.cpp ${_revision_cpp})
add_dependencies(lifespan_build_info lifespan_revision)
target_include_directories(lifespan_build_info PUBLIC ${CMAKE_CURRENT_LIST_DIR}/build_info)
target_compile_definitions(lifespan_build_info PRIVATE LIFESPAN_VERSION="${PROJECT_VERSION}")
target_link_libraries(lifespan_build_info PRIVATE fmt::fmt)
lifespan_warnings(lifespan_build_info)
