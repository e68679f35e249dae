// The child side of child.hpp: one function per mode, selected by LIFESPAN_CORE_CHILD. Each runs a
// real service that owns its signals, reports its steps on the pipe, and exits with run()'s code.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "child.hpp"
#include "lifespan/core/file_errors.hpp"
#include "lifespan/core/service.hpp"

namespace lifespan::test {
namespace {

// Connects like libpq to a host that never answers: ignores its stop token entirely.
class hanging_start : public component {
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

// Logs past the file-size limit, then writes a data file past it (as SQLite's WAL does).
class over_the_limit final : public component {
 public:
  void start(context&) override {
    const std::string filler(100, 'x');
    for (int i = 0; i < 2000; ++i) spdlog::info("line {} {}", i, filler);
    const auto data = child_env("LIFESPAN_CORE_CHILD_DIR") + "/data.bin";
    const int fd = ::open(data.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const std::string block(4096, 'd');
    int error = 0;
    for (int i = 0; i < 64 && error == 0; ++i)
      if (::write(fd, block.data(), block.size()) < 0) error = errno;
    ::close(fd);
    std::printf("data: %s\n", error != 0 ? describe_write_error(data, error).c_str() : "written");
    std::fflush(stdout);
    report_step("written");
  }
};

// RLIMIT_FSIZE of 64 KiB: the log file and a data file reach it; the process must live on.
int file_size_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_FSIZE, &limit);
  limit.rlim_cur = 64 * 1024;
  if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 10;
  service_options o = owning_options();
  o.config_overrides = {"logging.file=" + child_env("LIFESPAN_CORE_CHILD_DIR") + "/service.log"};
  service svc{"child", o};
  svc.add<over_the_limit>("writer");
  return svc.run();
}

// A section reader that never returns (as if validating meant reading a hung mount).
class stuck_in_validation final : public component {
 public:
  struct options {};
  static options read_options(config::section&) {
    report_step("reading options");
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  explicit stuck_in_validation(options) {}
  void start(context&) override {}
};

// SIGTERM while --check-config (or run(), before anything started) is validating the configuration.
int stuck_check(bool check_only) {
  service svc{"child", owning_options()};
  svc.add<stuck_in_validation>("validator");
  std::string program = "child", flag = "--check-config";
  std::vector<char*> argv{program.data()};
  if (check_only) argv.push_back(flag.data());
  return svc.main(static_cast<int>(argv.size()), argv.data());
}

// Reports every reload's outcome; the parent replaces the configuration file with a FIFO.
int reload_reporter() {
  service svc{"child", owning_options()};
  svc.add<hanging_start>("db");  // never used: replaced below by a component that starts at once
  svc.replace<hanging_start>([] {
    struct quick final : hanging_start {
      void start(context&) override {}
    };
    return std::make_unique<quick>();
  });
  svc.on_event([](const lifecycle_event& e) {
    if (e.kind == event_kind::service_state_changed) report_step(std::string("state ") + std::string(to_string(e.state)));
    if (e.kind == event_kind::reload_finished) report_step("reloaded: " + e.detail);
  });
  return svc.run();
}

}  // namespace

TEST(core_child, DISABLED_main) {
  const std::map<std::string, std::function<int()>> modes = {
      {"hanging_critical_start", hanging_critical_start},
      {"file_size_limit", file_size_limit},
      {"stuck_check", [] { return stuck_check(true); }},
      {"stuck_startup", [] { return stuck_check(false); }},
      {"reload_reporter", reload_reporter},
  };
  const auto mode = modes.find(child_env("LIFESPAN_CORE_CHILD"));
  ASSERT_NE(mode, modes.end()) << "LIFESPAN_CORE_CHILD names no mode";
  const int code = mode->second();
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);  // run()'s code is the process's; an abandoned hook thread may still be running
}

}  // namespace lifespan::test
