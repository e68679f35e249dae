// Reload on SIGHUP: the new configuration was parsed and validated as a whole before this runs; here
// it is handed to every usable component that supports reloading, in parallel on the hook pool.
//
// What a reload does is reported exactly, never as all-or-nothing: components apply it one by one
// (in parallel), and one may throw after others applied theirs, so "rejected" would be false the
// moment anything was applied. reload_finished names the components that applied the new
// configuration (`applied`) and, in `detail`, each one that did not and why: a section changed for a
// component that cannot reload (it runs on its old section until restarted), or a component that
// rejected its section (it keeps its old one). Only an invalid configuration is rejected as a
// whole: nothing is handed to any component, `applied` is empty and `detail` lists the errors.
#include <algorithm>

#include <fmt/format.h>

#include "runtime.hpp"

namespace lifespan::detail {

void runtime::emit_reload_finished(std::vector<std::string> applied, std::vector<std::string> not_applied) {
  lifecycle_event e{event_kind::reload_finished, loop_->now(), {}, state(), {}, 0, fmt::format("{}", fmt::join(not_applied, "; "))};
  e.applied = std::move(applied);
  for (auto& l : listeners_) l(e);
}

void runtime::reload_components(std::shared_ptr<config::document> doc,
                                std::shared_ptr<const config::document> started_with, std::vector<std::string> errors) {
  if (!doc) {
    emit_reload_finished({}, std::move(errors));
    return;
  }
  struct tally {
    std::size_t pending = 0;
    std::vector<const node*> applied;
    std::vector<std::string> not_applied;  // components that could not apply it, and why
  };
  auto t = std::make_shared<tally>();
  std::weak_ptr<loop> owner = loop_;
  const auto finish = [this](tally& done) {
    std::sort(done.applied.begin(), done.applied.end(), [](const node* a, const node* b) { return a->index < b->index; });
    std::vector<std::string> names;
    for (const auto* n : done.applied) names.push_back(n->name());
    emit_reload_finished(std::move(names), std::move(done.not_applied));
  };
  for (auto* n : order_) {
    if (!n->current.object || !is_usable(n->state())) continue;
    ++t->pending;
    ++n->side_hooks;
    pool_->submit([this, n, doc, started_with, t, owner, finish, attempt = n->attempt, object = n->current.object]() mutable {
      std::string outcome;
      bool applied = false;
      try {
        config::error_list section_errors;
        auto section = doc->get(n->name(), section_errors);
        applied = object->reload(section);
        if (!applied && section.exists() &&
            !(started_with && section.same_content(started_with->get(n->name(), section_errors))))
          outcome = fmt::format("{}: does not support reload; restart to apply", n->name());
      } catch (const std::exception& e) {
        outcome = fmt::format("{}: rejected the new configuration: {}", n->name(), e.what());
      } catch (...) {  // as for every other hook: an exception escaping a pool thread would terminate
        outcome = fmt::format("{}: rejected the new configuration: a non-standard exception", n->name());
      }
      object.reset();  // see live_instance
      if (auto l = owner.lock())
        l->post_after_hook([this, t, n, attempt, applied, finish, outcome = std::move(outcome)]() mutable {
          side_hook_returned(*n, attempt);
          if (applied) t->applied.push_back(n);
          if (!outcome.empty()) t->not_applied.push_back(std::move(outcome));
          if (--t->pending == 0) finish(*t);
        });
    });
  }
  if (t->pending == 0) finish(*t);
}

}  // namespace lifespan::detail
