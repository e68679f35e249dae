#pragma once
// What service::add records about a component before anything runs. Internal to the runtime; the
// templates live here because they must see the component's type.
#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "lifespan/config/config.hpp"
#include "lifespan/core/component.hpp"
#include "lifespan/graph/graph.hpp"

namespace lifespan::detail {

struct instance {
  std::shared_ptr<component> object;  // shared with the hooks running on it (see live_instance)
  void* typed = nullptr;  // the same object as the registered type T*, for get<T>() without a cast
};

// Builds one instance; called by the supervisor (see loop.hpp), once per start attempt.
using factory = std::function<instance()>;
// Reads and validates the component's configuration section, keeping the result for the factory.
using options_reader = std::function<void(config::section&)>;

struct timeouts {
  duration start = std::chrono::seconds(30);
  duration stop = std::chrono::seconds(5);
  duration health_interval = std::chrono::seconds(5);
  duration health_timeout = std::chrono::seconds(1);
};

// Which optional hooks the component's type overrides. The runtime skips dispatching the others to
// the hook pool (a no-op stop costs a thread handoff). Known exactly only for add<T>(), where T is
// the type constructed; a factory may build a subclass, so its flags stay all true.
struct overridden_hooks {
  bool drain = true;
  bool stop = true;
  bool health = true;
};

template <class T>
constexpr overridden_hooks overrides_of() {
  // &T::drain names component::drain, with that exact type, unless T (or a base between) overrides it.
  return {!std::is_same_v<decltype(&T::drain), decltype(&component::drain)>,
          !std::is_same_v<decltype(&T::stop), decltype(&component::stop)>,
          !std::is_same_v<decltype(&T::check_health), decltype(&component::check_health)>};
}

struct registration {
  graph::declaration decl;
  factory make;
  options_reader read_options;  // may be empty: the component has no options of its own
  struct timeouts timeouts;
  overridden_hooks hooks;
};

// "database" for lifespan::database, from the compiler's own spelling of the type.
template <class T>
std::string type_name() {
  std::string_view f = __PRETTY_FUNCTION__;  // "... type_name() [with T = ns::database; ...]"
  const auto start = f.find("T = ");
  if (start == std::string_view::npos) return std::string(f);
  f.remove_prefix(start + 4);
  f = f.substr(0, f.find_first_of(";]"));
  return std::string(f);
}

template <class T>
graph::dependency by_type() {
  return {{}, type_key_of<T>(), type_name<T>()};
}

template <class T>
factory typed_factory(std::function<std::unique_ptr<T>()> make) {
  return [make = std::move(make)]() -> instance {
    std::unique_ptr<T> object = make();
    T* typed = object.get();
    return {std::unique_ptr<component>(std::move(object)), typed};
  };
}

template <class T>
concept has_options = requires(config::section& s) {
  typename T::options;
  { T::read_options(s) } -> std::convertible_to<typename T::options>;
};

// The object and its shared_ptr control block in one allocation (make_shared).
template <class T>
instance shared_instance(std::shared_ptr<T> object) {
  T* typed = object.get();
  return {std::move(object), typed};
}

template <class T, class... Args>
std::pair<factory, options_reader> make_factory(Args... args) {
  if constexpr (has_options<T>) {
    auto options = std::make_shared<std::optional<typename T::options>>();
    options_reader reader = [options](config::section& s) { *options = T::read_options(s); };
    factory make = [options, args...]() -> instance {
      return shared_instance(std::make_shared<T>(options->has_value() ? **options : typename T::options{}, args...));
    };
    return {std::move(make), std::move(reader)};
  } else {
    return {[args...]() -> instance { return shared_instance(std::make_shared<T>(args...)); }, nullptr};
  }
}

}  // namespace lifespan::detail
