#pragma once
// The command-line options every lifespan service understands. Tools with flags of their own add
// these to their CLI11 app with add_command_line() and then call service::main(options).
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace lifespan {

struct command_line {
  std::filesystem::path config;          // --config FILE
  std::vector<std::string> set;          // --set section.key=value (repeatable)
  std::size_t config_max_bytes = 0;      // --config-max-bytes N: a larger --config file is refused; 0: 16 MiB
  bool check_config = false;             // --check-config: validate, print the verdict, exit 0 or 2
  std::string print_graph;               // --print-graph dot|json: print the graph and exit
};

// Adds --config, --set, --config-max-bytes, --check-config and --print-graph to `app`, writing into
// `options`.
void add_command_line(CLI::App& app, command_line& options);

}  // namespace lifespan
