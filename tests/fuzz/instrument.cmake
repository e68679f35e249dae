# The fuzz build (CMakePresets.json: `fuzz`; `make fuzz`): everything it compiles carries libFuzzer's
# coverage instrumentation, ASan and UBSan. Included by the top-level CMakeLists.txt before src/, so the
# libraries the targets link are instrumented too (coverage in a library that is not instrumented is
# invisible to the fuzzer). Clang only: GCC has no libFuzzer.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "LIFESPAN_BUILD_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
    "configure with `cmake --preset fuzz` (CMAKE_CXX_COMPILER=clang++), after scripts/setup.sh")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
# The gcc builds are where warnings are errors; clang's own extra warnings on code never gated against
# them must not stop a fuzz run, so here they stay warnings.
function(lifespan_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
endfunction()
