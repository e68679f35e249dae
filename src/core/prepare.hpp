#pragma once
// Everything run() needs, derived from registrations and configuration without starting anything.
// Used by run(), --check-config and reload alike, so they can never disagree about what is valid.
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lifespan/config/config.hpp"
#include "lifespan/core/detail/registration.hpp"
#include "lifespan/graph/graph.hpp"
#include "settings.hpp"

namespace lifespan::detail {

struct config_source {
  std::string app;                      // environment prefix: <APP>__SECTION__KEY
  std::filesystem::path file;           // may be empty
  std::vector<std::string> overrides;   // --set section.key=value
  bool read_environment = true;
  std::vector<std::string> defaults;    // section.key=value, applied only where nothing above set the key
  std::size_t max_file_bytes = config::default_max_file_bytes;
};

struct prepared {
  std::shared_ptr<config::document> document;
  runtime_settings settings;
  std::vector<component_settings> components;  // parallel to the registrations
  graph::resolved graph;
};

std::shared_ptr<config::document> load_document(const config_source& source, config::error_list& errors);

// Validates the graph and every configuration section (reading each component's options), and
// reports every problem as one line. `graph_problems` may be null when the graph is known valid.
std::optional<prepared> prepare(const std::deque<registration>& registrations, const config_source& source,
                                std::vector<std::string>& problems);

// Re-reads the component sections of `doc` (used on reload); problems as above.
std::vector<component_settings> read_sections(const std::deque<registration>& registrations,
                                              const config::document& doc, std::vector<std::string>& problems);

// The problems to print: the first hundred, then one line saying how many more there are (a file
// of a hundred thousand unknown keys is reported in a screenful).
std::vector<std::string> listed(const std::vector<std::string>& problems);

std::vector<graph::declaration> declarations_of(const std::deque<registration>& registrations);

}  // namespace lifespan::detail
