#pragma once
// Child processes for tests that need a real process boundary (signals, crashes, concurrent
// starts): the test program re-executes itself running only data_child.DISABLED_main, which
// dispatches on LIFESPAN_DATA_CHILD (see child_main.cpp). Output goes to a file the test reads.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/spawned_process.hpp"

namespace lifespan::test {

class child_process : public spawned_process {
 public:
  child_process(const std::string& mode, const std::map<std::string, std::string>& env,
                const std::filesystem::path& output)
      : spawned_process({"/proc/self/exe", "--gtest_filter=data_child.DISABLED_main", "--gtest_also_run_disabled_tests"},
                        environment(mode, env), output, false) {}

 private:
  static std::vector<std::string> environment(const std::string& mode, const std::map<std::string, std::string>& env) {
    auto all = inherited_environment();
    all.push_back("LIFESPAN_DATA_CHILD=" + mode);
    for (const auto& [k, v] : env) all.push_back(k + "=" + v);
    return all;
  }
};

inline std::string env_or(const char* name, const std::string& fallback = {}) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

}  // namespace lifespan::test
