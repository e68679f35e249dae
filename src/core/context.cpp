// A component's access to its declared dependencies.
#include <stdexcept>

#include <fmt/format.h>

#include "runtime.hpp"

namespace lifespan {
namespace {

// By name when one is given, else by the registered type. Asking by name for the wrong type is a
// programming error: the cast would be invalid.
bool matches(const detail::node& dep, const void* type, std::string_view name) {
  if (name.empty()) return dep.reg->decl.type == type;
  if (dep.name() != name) return false;
  if (dep.reg->decl.type != type)
    throw std::logic_error(fmt::format("dependency '{}' is registered as type '{}', not as the type asked for", name,
                                       dep.reg->decl.type_name));
  return true;
}

[[noreturn]] void undeclared(const detail::node& n, const char* kind, const void* type, std::string_view name) {
  // The type's name is known only if some component of that type is registered; say what we can.
  (void)type;
  const std::string what = name.empty() ? std::string("a dependency of the requested type") : fmt::format("'{}'", name);
  throw std::logic_error(fmt::format(
      "component '{}' asked for {} as {} dependency, but did not declare it; "
      "declare it where '{}' is registered: .{}<T>() or .{}(\"name\")",
      n.name(), what, kind, n.name(), kind == std::string_view("a required") ? "depends_on" : "optional",
      kind == std::string_view("a required") ? "depends_on" : "optional"));
}

}  // namespace

const std::string& context::name() const noexcept { return node_->name(); }

std::stop_token context::stop_token() const {
  std::lock_guard lock(node_->shown_mutex);
  if (!node_->cancel.stop_possible()) {  // the first to ask in this attempt (node::cancel)
    node_->cancel = std::stop_source{};
    if (node_->cancel_requested) node_->cancel.request_stop();  // no callback can be registered yet
  }
  return node_->cancel.get_token();
}

void* context::required(const void* type, std::string_view name) const {
  for (const detail::node* dep : node_->required)
    if (matches(*dep, type, name)) return dep->pub.typed.load(std::memory_order_acquire);
  undeclared(*node_, "a required", type, name);
}

const detail::slot* context::optional_slot(const void* type, std::string_view name) const {
  for (const detail::node* dep : node_->optional)
    if (matches(*dep, type, name)) return &dep->pub;
  // An optional dependency that names nothing registered resolves to no node: a null handle.
  for (const auto& d : node_->reg->decl.optional)
    if ((!name.empty() && d.name == name) || (name.empty() && d.type == type)) return nullptr;
  undeclared(*node_, "an optional", type, name);
}

start_completion context::defer() {
  const auto* running = detail::running_start;
  if (running == nullptr || (*running)->n != node_)
    throw std::logic_error(fmt::format("component '{}': ctx.defer() called outside its start(); call it in start(), on the "
                                       "thread that runs start(), and complete the start_completion it returns from anywhere",
                                       node_->name()));
  (*running)->deferred.store(true, std::memory_order_release);
  return start_completion(*running);
}

void start_completion::succeed() const {
  if (state_) state_->complete(true, {});
}

void start_completion::fail(std::string reason) const {
  if (state_) state_->complete(false, std::move(reason));
}

}  // namespace lifespan
