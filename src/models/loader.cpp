#include "lifespan/models/loader.hpp"

namespace lifespan::models {

void loader::warmup(servable& s, const manifest& m, time_point deadline) {
  (void)deadline;
  if (m.warmup.empty()) return;
  std::vector<float> rows;
  for (const auto& row : m.warmup) {
    if (row.size() != s.num_features())
      throw load_error("warm-up row has " + std::to_string(row.size()) + " values, the model " +
                           std::to_string(s.num_features()) + " features; fix the manifest's \"warmup\"",
                       true);
    rows.insert(rows.end(), row.begin(), row.end());
  }
  std::vector<float> scores;
  try {
    s.predict(rows, m.warmup.size(), scores);
  } catch (const std::exception& e) {
    throw load_error(std::string("warm-up prediction failed: ") + e.what(), true);
  }
}

std::unique_ptr<loader> loader_registry::make(const load_source& source) const {
  const std::string& name = source.manifest->loader;
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
    throw load_error((source.dir / manifest_name).string() + ": unknown loader '" + name +
                         "'; registered loaders: " + (known.empty() ? "none" : known),
                     true);
  }
  return it->second(source);
}

std::vector<std::string> loader_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

}  // namespace lifespan::models
