// The child side of child.hpp: one function per mode, selected by LIFESPAN_CORE_CHILD. Each runs a
// real service that owns its signals, reports its steps on the pipe, and exits with run()'s code.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "child.hpp"
#include "lifespan/core/service.hpp"

namespace lifespan::test {
namespace {

// Connects like libpq to a host that never answers: ignores its stop token entirely.
class hanging_start final : public component {
 public:
  void start(context&) override {
    report_step("starting");
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
};

service_options owning_options() {
  service_options o;
  o.read_environment = false;
  if (auto config = child_env("LIFESPAN_CORE_CHILD_CONFIG"); !config.empty()) o.config_file = config;
  return o;
}

// SIGTERM (from the parent) while the only, critical, component hangs in start(): INITIALIZING.
int hanging_critical_start() {
  service svc{"child", owning_options()};
  svc.add<hanging_start>("db").stop_timeout(std::chrono::milliseconds(500));
  svc.on_event([](const lifecycle_event& e) {
    if (e.kind == event_kind::service_state_changed) report_step(std::string("state ") + std::string(to_string(e.state)));
  });
  return svc.run();
}

}  // namespace

TEST(core_child, DISABLED_main) {
  const std::map<std::string, std::function<int()>> modes = {
      {"hanging_critical_start", hanging_critical_start},
  };
  const auto mode = modes.find(child_env("LIFESPAN_CORE_CHILD"));
  ASSERT_NE(mode, modes.end()) << "LIFESPAN_CORE_CHILD names no mode";
  const int code = mode->second();
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);  // run()'s code is the process's; an abandoned hook thread may still be running
}

}  // namespace lifespan::test
