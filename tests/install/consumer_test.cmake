# CTest: lifespan as an outside project sees it. Installs the build's lifespan_dev component (headers,
# libraries, CMake package) into a fresh prefix, then configures, builds and runs examples/consumer
# against that prefix alone, and checks that nothing installed points back into the source or build tree.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... [-DLAUNCHER=ccache] -P consumer_test.cmake
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "consumer_test.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "consumer test: ${what} failed (${status}):\n${out}\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run("installing the lifespan_dev component"
  ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component lifespan_dev --strip)

file(GLOB_RECURSE config_files ${prefix}/*.cmake)
if(NOT config_files)
  message(FATAL_ERROR "consumer test: no CMake package files were installed under ${prefix}")
endif()
foreach(file IN LISTS config_files)
  file(READ ${file} text)
  foreach(tree ${SOURCE_DIR} ${BUILD_DIR})
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "consumer test: ${file} names ${tree}; an installed package must not point into the tree")
    endif()
  endforeach()
endforeach()

set(launcher "")
if(LAUNCHER)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
run("configuring examples/consumer against ${prefix}"
  ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${WORK_DIR}/build -G ${GENERATOR}
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON ${launcher})
run("building examples/consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run("running the consumer" ${WORK_DIR}/build/consumer)
string(REGEX MATCHALL "[a-z]+ (started|stopped)|running" events "${output}")
set(expected "store started;api started;running;api stopped;store stopped")
if(NOT events STREQUAL expected)
  message(FATAL_ERROR "consumer test: events were '${events}', expected '${expected}':\n${output}")
endif()

# Linking lifespan::core pulled in no area it does not need, and none of the heavy packages.
run("reading the consumer's link line" ${CMAKE_COMMAND} --build ${WORK_DIR}/build --target consumer -- -t commands consumer)
foreach(unwanted liblifespan_http liblifespan_models liblifespan_data curl xgboost hiredis libhs)
  string(FIND "${output}" "${unwanted}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "consumer test: linking lifespan::core alone brought in ${unwanted}:\n${output}")
  endif()
endforeach()
message(STATUS "consumer test: passed: ${events}")
