#include "rules/rule_engine.hpp"

namespace vigil {

rule_engine::rule_engine(const rule_sources& sources) : sources_(sources), current_(rule_set::load(sources)) {}

rule_engine::rule_engine(std::shared_ptr<const rule_set> initial) : current_(std::move(initial)) {}

reload_result rule_engine::reload() { return reload(sources_); }

reload_result rule_engine::reload(const rule_sources& sources) {
  std::lock_guard lock(reload_mutex_);
  reload_result result;
  try {
    auto next = rule_set::load(sources);
    result.rules = next->rules().size();
    {
      std::lock_guard current_lock(current_mutex_);
      current_ = std::move(next);
    }
    sources_ = sources;
    result.ok = true;
    result.generation = generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
  } catch (const std::exception& e) {
    result.error = std::string(e.what()) + " (the previous rule set stays in force)";
    result.rules = current()->rules().size();
    result.generation = generation();
  }
  return result;
}

engine_matcher::engine_matcher(const rule_engine& engine)
    : engine_(engine), generation_(engine.generation()), matcher_(std::make_unique<rule_matcher>(engine.current())) {}

bool engine_matcher::refresh() {
  const auto g = engine_.generation();
  if (g == generation_) return false;
  // Load the set before recording the generation: a reload between the two is seen next time.
  auto set = engine_.current();
  generation_ = g;
  matcher_ = std::make_unique<rule_matcher>(std::move(set));
  matcher_->set_crs_in_force(crs_in_force_);
  return true;
}

}  // namespace vigil
