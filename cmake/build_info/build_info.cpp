#include "build_info.hpp"

#include <fmt/format.h>

namespace lifespan::build_info {

const char* version() { return LIFESPAN_VERSION; }

std::string version_line(std::string_view program) {
  return fmt::format("{} {} (git {})", program, version(), git_revision());
}

}  // namespace lifespan::build_info
