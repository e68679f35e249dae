#include "lifespan/util/shared_library.hpp"

#include <dlfcn.h>

#include <stdexcept>

namespace lifespan {

shared_library shared_library::open(const std::string& soname, const std::string& package) {
  // RTLD_NOW: a missing symbol fails here, with a message, rather than at some later call.
  // RTLD_LOCAL: its symbols do not interpose on the process's own.
  void* handle = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw std::runtime_error("cannot load " + soname + " (" + (why ? why : "unknown reason") +
                             "): install Debian's " + package + " (apt-get install " + package + ")");
  }
  return shared_library(handle, soname, package);
}

void* shared_library::symbol(const char* name) const {
  ::dlerror();  // clear a stale error: dlsym may legitimately return null only with an error set
  void* address = ::dlsym(handle_, name);
  if (address == nullptr) {
    const char* why = ::dlerror();
    throw std::runtime_error(soname_ + " has no symbol " + name + " (" + (why ? why : "null address") +
                             "): the installed library does not match this build; reinstall Debian's " +
                             package_);
  }
  return address;
}

}  // namespace lifespan
