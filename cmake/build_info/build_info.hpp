#pragma once
// The version of this build (the project's VERSION in CMakeLists.txt) and the git revision it was built
// from, for `--version` (cmake/build_info.cmake). Both are plain strings with static lifetime.
#include <string>
#include <string_view>

namespace lifespan::build_info {

const char* version();       // "0.1.0"
const char* git_revision();  // 12 hex digits, or "unknown" outside a git checkout

// "<program> <version> (git <revision>)", the first line help2man reads for the man page.
std::string version_line(std::string_view program);

}  // namespace lifespan::build_info
