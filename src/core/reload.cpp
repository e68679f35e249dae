// Reload on SIGHUP: the new configuration was parsed and validated as a whole before this runs; here
// it is handed to every usable component that supports reloading, in parallel on the hook pool.
#include <fmt/format.h>

#include "runtime.hpp"

namespace lifespan::detail {

void runtime::reload_components(std::shared_ptr<config::document> doc,
                                std::shared_ptr<const config::document> started_with, std::vector<std::string> errors) {
  if (!doc) {
    emit(event_kind::reload_finished, nullptr, fmt::format("{}", fmt::join(errors, "; ")));
    return;
  }
  struct tally {
    std::size_t pending = 0;
    std::vector<std::string> outcomes;  // components that could not apply it, and why
  };
  auto t = std::make_shared<tally>();
  std::weak_ptr<loop> owner = loop_;
  for (auto* n : order_) {
    if (!n->current.object || !is_usable(n->state())) continue;
    ++t->pending;
    ++n->side_hooks;
    pool_->submit([this, n, doc, started_with, t, owner, attempt = n->attempt, object = n->current.object]() mutable {
      std::string outcome;
      try {
        config::error_list section_errors;
        auto section = doc->get(n->name(), section_errors);
        if (!object->reload(section) && section.exists() &&
            !(started_with && section.same_content(started_with->get(n->name(), section_errors))))
          outcome = fmt::format("{}: does not support reload; restart to apply", n->name());
      } catch (const std::exception& e) {
        outcome = fmt::format("{}: rejected the new configuration: {}", n->name(), e.what());
      } catch (...) {  // as for every other hook: an exception escaping a pool thread would terminate
        outcome = fmt::format("{}: rejected the new configuration: a non-standard exception", n->name());
      }
      object.reset();  // see live_instance
      if (auto l = owner.lock())
        l->post_after_hook([this, t, n, attempt, outcome = std::move(outcome)]() mutable {
          side_hook_returned(*n, attempt);
          if (!outcome.empty()) t->outcomes.push_back(std::move(outcome));
          if (--t->pending == 0) emit(event_kind::reload_finished, nullptr, fmt::format("{}", fmt::join(t->outcomes, "; ")));
        });
    });
  }
  if (t->pending == 0) emit(event_kind::reload_finished, nullptr, {});
}

}  // namespace lifespan::detail
