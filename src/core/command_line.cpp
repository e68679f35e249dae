#include "lifespan/core/command_line.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

#include "lifespan/core/service.hpp"
#include "prepare.hpp"

namespace lifespan {

void add_command_line(CLI::App& app, command_line& options) {
  app.add_option("--config", options.config, "YAML configuration file")->check(CLI::ExistingFile);
  app.add_option("--set", options.set, "override one setting: section.key=value (repeatable)");
  app.add_option("--config-max-bytes", options.config_max_bytes,
                 "refuse a --config file larger than this many bytes (default 16 MiB)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--check-config", options.check_config, "validate configuration and graph, start nothing");
  app.add_option("--print-graph", options.print_graph, "print the dependency graph and exit")
      ->check(CLI::IsMember({"dot", "json"}));
}

int service::main(const command_line& options) {
  own_signals_now();
  if (!options.config.empty()) impl_options().config_file = options.config;
  if (options.config_max_bytes != 0) impl_options().max_config_bytes = options.config_max_bytes;
  auto& overrides = impl_options().config_overrides;
  overrides.insert(overrides.end(), options.set.begin(), options.set.end());
  if (options.check_config || !options.print_graph.empty()) {
    const auto problems = check();
    if (!problems.empty()) {
      std::cerr << name() << ": " << problems.size() << " problem" << (problems.size() == 1 ? "" : "s")
                << " in configuration or component graph:\n";
      for (const auto& line : detail::listed(problems)) std::cerr << "  " << line << '\n';
      return exit_invalid;
    }
    if (options.print_graph == "dot") std::cout << graph_dot();
    else if (options.print_graph == "json") std::cout << graph_json().dump(2) << '\n';
    else std::cout << name() << ": configuration and component graph are valid\n";
    return exit_ok;
  }
  return run();
}

int service::main(int argc, char** argv) {
  own_signals_now();  // from the first moment: reading a --config path can block (a hung mount)
  CLI::App app{name()};
  command_line options;
  add_command_line(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_invalid;
  }
  return main(options);
}

}  // namespace lifespan
