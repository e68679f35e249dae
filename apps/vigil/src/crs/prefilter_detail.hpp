#pragma once
// Internals shared by prefilter.cpp (building the database) and prefilter_scan.cpp (scanning a line).
#include <cstdint>

#include "crs/rule.hpp"

namespace vigil::crs::detail {

constexpr std::uint32_t bit(variable v) { return 1u << static_cast<unsigned>(v); }

// GET arguments are all the arguments a log line has: the two views share their values.
inline variable canonical(variable v) {
  if (v == variable::args_get) return variable::args;
  if (v == variable::args_get_names) return variable::args_names;
  return v;
}

}  // namespace vigil::crs::detail
