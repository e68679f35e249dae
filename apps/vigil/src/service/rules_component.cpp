#include "service/rules_component.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace vigil::service {

rules_component::options rules_component::read_options(lifespan::config::section& section) {
  options o;
  o.path = section.get<std::string>("path", o.path);
  try {
    rule_set::check(o.path);  // cheap: the databases are built once, in start()
  } catch (const std::exception& e) {
    section.report("path", e.what(), "fix the rule named above, or point rules.path at a valid rules file");
  }
  return o;
}

void rules_component::start(lifespan::context&) {
  engine_ = std::make_unique<rule_engine>(options_.path);  // throws rule_error naming the rule
  std::lock_guard lock(mutex_);
  last_ = {true, {}, engine_->current()->rules().size(), engine_->generation()};
}

bool rules_component::reload(lifespan::config::section& section) {
  const auto path = section.get<std::string>("path", options_.path);
  auto result = engine_->reload(path);
  {
    std::lock_guard lock(mutex_);
    last_ = result;
  }
  if (!result.ok)
    throw std::runtime_error(fmt::format("{}; the previous rule set ({} rules) stays in force", result.error,
                                         result.rules));
  options_.path = path;
  return true;
}

reload_result rules_component::last_reload() const {
  std::lock_guard lock(mutex_);
  return last_;
}

}  // namespace vigil::service
