#pragma once
// `vigil` as a real child process for end-to-end tests: argv after the binary, stdout and stderr
// appended to one file, SIGKILLed by the destructor if it is still running; and the arguments of a
// `vigil serve` confined to a temporary directory (database, tailed log, address file, models).
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/spawned_process.hpp"
#include "service_fixture.hpp"

namespace vigil::test {

using namespace std::chrono_literals;

class vigil_process : public lifespan::test::spawned_process {
 public:
  vigil_process(std::vector<std::string> args, const std::filesystem::path& output)
      : spawned_process(with_binary(std::move(args)), inherited_environment(), output, true) {}

 private:
  static std::vector<std::string> with_binary(std::vector<std::string> args) {
    args.insert(args.begin(), VIGIL_BINARY);
    return args;
  }
};

// `extra`: more section.key=value overrides.
inline std::vector<std::string> serve_args(const temp_dir& dir, const std::filesystem::path& log, std::vector<std::string> extra) {
  std::vector<std::string> args = {"serve",
                                   "--set", "db.url=sqlite://" + (dir / "vigil.db").string(),
                                   "--set", "tailer.paths=[" + log.string() + "]",
                                   "--set", "http.port=0",
                                   "--set", "http.address_file=" + (dir / "http.address").string(),
                                   "--set", "shutdown.readiness_delay=0s",
                                   "--set", "models.root=" + (dir / "models").string()};
  for (auto& e : extra) {
    args.push_back("--set");
    args.push_back(std::move(e));
  }
  return args;
}

}  // namespace vigil::test
