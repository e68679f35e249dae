#pragma once
// A shared library bound at run time (dlopen) rather than linked: for heavy optional dependencies
// (libpq, libxgboost) that a process should pay for only when its configuration uses them. Each one
// linked directly costs every exec the loading and symbol binding of it and all its dependencies
// (libpq alone brings Kerberos, LDAP, SASL, GnuTLS...), before main() runs.
//
// Lifetime: an opened library stays loaded until the process exits (there is no close): function
// pointers taken from it may be held anywhere. Opening the same soname again returns the same
// library (the dynamic linker counts references).
// Thread-safety: open() and symbol() may be called from any thread.
#include <string>
#include <utility>

namespace lifespan {

class shared_library {
 public:
  // Opens `soname` ("libpq.so.5"), searched as the dynamic linker does (LD_LIBRARY_PATH, then
  // ld.so.cache), binding all its symbols now. `package` is the Debian package that provides it.
  // Throws std::runtime_error naming the library, the dynamic linker's reason and the package to install.
  static shared_library open(const std::string& soname, const std::string& package);

  // The address of `name`. Throws std::runtime_error naming the symbol, the library and the package
  // (a library too old or too new for this build).
  void* symbol(const char* name) const;

  // Binds a function pointer whose type comes from the library's header: `lib.bind(f, "PQexec")`
  // with `decltype(&PQexec) f`, so a signature that drifts from the header fails to compile.
  template <class Function>
  void bind(Function*& function, const char* name) const {
    function = reinterpret_cast<Function*>(symbol(name));
  }

  const std::string& soname() const noexcept { return soname_; }

 private:
  shared_library(void* handle, std::string soname, std::string package)
      : handle_(handle), soname_(std::move(soname)), package_(std::move(package)) {}
  void* handle_;
  std::string soname_;
  std::string package_;
};

}  // namespace lifespan
