#include "pg.hpp"

#include <gtest/gtest.h>

namespace lifespan::test {
namespace {

data::test_server* server = nullptr;

class pg_environment : public ::testing::Environment {
 public:
  void TearDown() override {
    delete server;
    server = nullptr;
  }
};

[[maybe_unused]] const auto* registered = ::testing::AddGlobalTestEnvironment(new pg_environment);

}  // namespace

data::test_server& pg_unstarted() {
  if (!server) server = new data::test_server;
  return *server;
}

data::test_server& pg() {
  pg_unstarted().start();
  return *server;
}

}  // namespace lifespan::test
