// Run-time binding of shared libraries: the real dynamic linker, a real system library.
#include "lifespan/util/shared_library.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <stdexcept>

namespace {

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(shared_library, binds_a_function_typed_by_its_header_and_calls_it) {
  const auto zlib = lifespan::shared_library::open("libz.so.1", "zlib1g");
  decltype(&zlibVersion) version = nullptr;
  zlib.bind(version, "zlibVersion");
  ASSERT_NE(version, nullptr);
  EXPECT_STREQ(version(), ZLIB_VERSION);
  EXPECT_EQ(zlib.soname(), "libz.so.1");
}

TEST(shared_library, a_missing_library_names_itself_the_reason_and_the_package) {
  const std::string m = message_of([] { lifespan::shared_library::open("liblifespan-absent.so.7", "lifespan-absent7"); });
  EXPECT_NE(m.find("cannot load liblifespan-absent.so.7"), std::string::npos) << m;
  EXPECT_NE(m.find("No such file"), std::string::npos) << m;
  EXPECT_NE(m.find("apt-get install lifespan-absent7"), std::string::npos) << m;
}

TEST(shared_library, a_missing_symbol_names_the_symbol_the_library_and_the_package) {
  const auto zlib = lifespan::shared_library::open("libz.so.1", "zlib1g");
  const std::string m = message_of([&] { zlib.symbol("no_such_zlib_function"); });
  EXPECT_NE(m.find("libz.so.1 has no symbol no_such_zlib_function"), std::string::npos) << m;
  EXPECT_NE(m.find("zlib1g"), std::string::npos) << m;
}

}  // namespace
