#include "crs/libinjection.hpp"

#include <lifespan/util/shared_library.hpp>

namespace vigil::crs {

const libinjection& libinjection::get() {
  static const libinjection bound = [] {
    auto lib = lifespan::shared_library::open("libmodsecurity.so.3", "libmodsecurity3");
    libinjection l;
    lib.bind(l.sqli, "libinjection_sqli");
    lib.bind(l.xss, "libinjection_xss");
    return l;
  }();
  return bound;
}

}  // namespace vigil::crs
