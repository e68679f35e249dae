// lifespan-sim: runs a synthetic component graph declared in YAML through the real runtime.
//
//   lifespan-sim --config graph.yaml --once [--json]   start, print the timeline, shut down, exit
//   lifespan-sim --config graph.yaml                   run until SIGTERM/SIGINT (SIGHUP reloads)
//   lifespan-sim --config graph.yaml --check-config    validate only
//   lifespan-sim --config graph.yaml --print-graph dot
//   lifespan-sim --config graph.yaml --serve            also serve HTTP (section "http:"; see serve.hpp)
//   lifespan-sim --version                              the version and the git revision
// Usage errors (and a missing --config) exit 2.
//
// Sections named database, telemetry and models register the real components (batteries.hpp).
#include <iostream>
#include <mutex>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "lifespan/core/service.hpp"
#include "lifespan/http/server.hpp"
#include "lifespan/sim/synthetic.hpp"
#include "batteries.hpp"
#include "build_info.hpp"
#include "serve.hpp"

namespace {

nlohmann::json to_json(const lifespan::service_status& s) {
  nlohmann::json components = nlohmann::json::object();
  for (const auto& c : s.components) {
    components[c.name] = {{"state", lifespan::to_string(c.state)},
                          {"criticality", lifespan::to_string(c.criticality)},
                          {"health", lifespan::to_string(c.health)},
                          {"attempts", c.attempts}};
    if (!c.reason.empty()) components[c.name]["reason"] = c.reason;
  }
  return {{"state", lifespan::to_string(s.state)}, {"ready", s.ready}, {"degraded", s.degraded}, {"components", components}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lifespan-sim: run a synthetic component graph through the lifespan runtime"};
  lifespan::command_line options;
  lifespan::add_command_line(app, options);
  app.set_version_flag("--version", [] { return lifespan::build_info::version_line("lifespan-sim"); });
  bool once = false, json = false, serve = false;
  app.add_flag("--once", once, "start the graph, print the timeline, shut down and exit with the runtime's exit code");
  app.add_flag("--json", json, "with --once: print the timeline and component states as JSON");
  app.add_flag("--serve", serve,
               "serve the graph over HTTP (section http:) with /work, /fail/NAME, /recover/NAME and every probe");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : lifespan::exit_invalid;
  }
  if (options.config.empty()) {
    std::cerr << "lifespan-sim: --config FILE is required: the YAML file that declares the synthetic components\n";
    return lifespan::exit_invalid;
  }

  lifespan::config::error_list errors;
  const auto doc = lifespan::config::document::from_file(options.config, errors);
  lifespan::service svc{"lifespan-sim"};
  lifespan::sim::faults faults;
  auto skip = lifespan::sim::battery_sections();
  if (serve) {
    skip.push_back("http");
    lifespan::sim::register_components(svc, doc, &faults, skip);
    auto routes = lifespan::sim::serving_routes(svc, faults);
    lifespan::sim::register_batteries(svc, doc, &routes);
    lifespan::http::add_server(svc, std::move(routes));
  } else {
    lifespan::sim::register_components(svc, doc, nullptr, skip);
    lifespan::sim::register_batteries(svc, doc, nullptr);
  }

  // With --once: the states as they were when startup settled (RUNNING) or was abandoned (ERROR).
  std::mutex settled_mutex;
  nlohmann::json settled;
  if (once) {
    svc.on_event([&](const lifespan::lifecycle_event& e) {
      if (e.kind != lifespan::event_kind::service_state_changed) return;
      if (e.state == lifespan::service_state::running || e.state == lifespan::service_state::error) {
        std::lock_guard lock(settled_mutex);
        if (settled.is_null()) settled = to_json(svc.status());
        if (e.state == lifespan::service_state::running) svc.request_shutdown();
      }
    });
  }

  const int code = svc.main(options);
  if (once && !options.check_config && options.print_graph.empty() && code != lifespan::exit_invalid) {
    const auto timeline = svc.startup_timeline();
    if (json) {
      std::lock_guard lock(settled_mutex);
      std::cout << nlohmann::json{{"exit_code", code},
                                  {"final_state", lifespan::to_string(svc.state())},
                                  {"settled", settled},
                                  {"timeline", timeline.to_json()}}
                       .dump(2)
                << '\n';
    } else {
      std::cout << timeline.to_text();
    }
  }
  return code;
}
