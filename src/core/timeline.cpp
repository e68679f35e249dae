#include "lifespan/core/timeline.hpp"

#include <fmt/format.h>

namespace lifespan {
namespace {

double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

nlohmann::json optional_ms(const std::optional<duration>& d) { return d ? nlohmann::json(ms(*d)) : nlohmann::json(); }

}  // namespace

nlohmann::json timeline::to_json() const {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& e : entries) {
    components.push_back({{"name", e.name},
                          {"criticality", to_string(e.criticality)},
                          {"state", to_string(e.state)},
                          {"ready_ms", optional_ms(e.ready_at)},
                          {"started_ms", optional_ms(e.started_at)},
                          {"up_ms", optional_ms(e.up_at)},
                          {"failed_ms", optional_ms(e.failed_at)},
                          {"stopped_ms", optional_ms(e.stopped_at)},
                          {"attempts", e.attempts},
                          {"blocked_by", e.blocked_by.empty() ? nlohmann::json() : nlohmann::json(e.blocked_by)},
                          {"critical_path", e.on_critical_path},
                          {"error", e.error.empty() ? nlohmann::json() : nlohmann::json(e.error)}});
  }
  return {{"ready_ms", optional_ms(ready_after)},
          {"running_ms", optional_ms(running_after)},
          {"critical_path", critical_path},
          {"critical_path_ms", ms(critical_path_length)},
          {"components", std::move(components)}};
}

std::string timeline::to_text() const {
  const auto cell = [](const std::optional<duration>& d) { return d ? fmt::format("{:.1f}", ms(*d)) : std::string("-"); };
  std::size_t width = 9;
  for (const auto& e : entries) width = std::max(width, e.name.size());
  std::string out = fmt::format("{:<{}}  {:<10}  {:<10}  {:>9}  {:>9}  {:>9}  {:>9}  {}\n", "component", width, "kind", "state",
                                "ready ms", "start ms", "up ms", "stop ms", "");
  for (const auto& e : entries) {
    std::string note = e.on_critical_path ? "critical path" : "";
    if (!e.error.empty()) note += (note.empty() ? "" : "; ") + e.error;
    if (e.attempts > 1) note += fmt::format("{}{} attempts", note.empty() ? "" : "; ", e.attempts);
    out += fmt::format("{:<{}}  {:<10}  {:<10}  {:>9}  {:>9}  {:>9}  {:>9}  {}\n", e.name, width, to_string(e.criticality),
                       to_string(e.state), cell(e.ready_at), cell(e.started_at), cell(e.up_at), cell(e.stopped_at), note);
  }
  out += fmt::format("ready after {} ms, running after {} ms; critical path ({:.1f} ms): {}\n", cell(ready_after),
                     cell(running_after), ms(critical_path_length), fmt::join(critical_path, " -> "));
  return out;
}

}  // namespace lifespan
