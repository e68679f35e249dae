// Routing: patterns compiled into a tree of path segments, matched with backtracking so that a literal
// segment is preferred to a parameter but a parameter still matches when the literal branch fails.
#include "lifespan/http/router.hpp"

#include <array>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace lifespan::http {
namespace {

constexpr std::size_t method_count = 7;

std::size_t slot_of(method m) { return static_cast<std::size_t>(m); }

constexpr std::array<method, method_count> all_methods{method::get,   method::head,    method::post,   method::put,
                                                       method::patch, method::delete_, method::options};

bool is_parameter(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path == "/") return out;
  if (path.front() == '/') path.remove_prefix(1);
  for (;;) {
    const auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

route& route::add(dependency d) {
  if (d.component.empty()) throw std::invalid_argument(fmt::format("route {} {}: a needed component must have a name", to_string(method_), pattern_));
  for (const auto& existing : dependencies_)
    if (existing.component == d.component)
      throw std::invalid_argument(fmt::format("route {} {}: component '{}' is declared twice", to_string(method_), pattern_, d.component));
  dependencies_.push_back(std::move(d));
  return *this;
}

route& route::guarded(http::guard g) {
  if (!g) throw std::invalid_argument(fmt::format("route {} {}: the guard is empty", to_string(method_), pattern_));
  guards_.push_back(std::move(g));
  return *this;
}

route& route::timeout(duration d) {
  if (d <= duration::zero())
    throw std::invalid_argument(fmt::format("route {} {}: timeout() must be positive", to_string(method_), pattern_));
  timeout_ = d;
  return *this;
}

struct router::impl {
  struct node {
    std::map<std::string, std::unique_ptr<node>, std::less<>> literal;
    std::unique_ptr<node> parameter;
    std::array<const route*, method_count> by_method{};
  };
  node root;
  std::vector<std::unique_ptr<route>> routes;  // stable addresses for the route& handed out
  std::vector<http::guard> builtin_guards;

  // Calls `visit` on every node the path reaches, most specific first; stops when it returns true.
  template <class Visit>
  static bool walk(const node& n, const std::vector<std::string>& segments, std::size_t i, const Visit& visit) {
    if (i == segments.size()) return visit(n);
    if (auto it = n.literal.find(segments[i]); it != n.literal.end())
      if (walk(*it->second, segments, i + 1, visit)) return true;
    if (n.parameter && !segments[i].empty()) return walk(*n.parameter, segments, i + 1, visit);
    return false;
  }
};

router::router() : impl_(std::make_unique<impl>()) {}
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

route& router::add(http::method m, std::string pattern, http::handler h) {
  if (!h) throw std::invalid_argument(fmt::format("route {} {}: the handler is empty", to_string(m), pattern));
  return add_route(m, std::move(pattern), std::move(h), {});
}

route& router::add_async(http::method m, std::string pattern, http::async_handler h) {
  if (!h) throw std::invalid_argument(fmt::format("route {} {}: the handler is empty", to_string(m), pattern));
  return add_route(m, std::move(pattern), {}, std::move(h));
}

route& router::add_route(http::method m, std::string pattern, http::handler h, http::async_handler a) {
  const auto fail = [&](const std::string& why) {
    return std::invalid_argument(fmt::format("route {} {}: {}", to_string(m), pattern, why));
  };
  if (pattern.empty() || pattern.front() != '/') throw fail("a pattern starts with '/'");
  if (m == method::head) throw fail("HEAD is answered by the GET route of the same path; register GET instead");
  auto r = std::unique_ptr<route>(new route(m, pattern, std::move(h), impl_->routes.size()));
  if (a) {
    r->async_handler_ = std::move(a);
    r->execution_ = execution::async;
  }
  impl::node* n = &impl_->root;
  std::set<std::string, std::less<>> names;
  const auto segments = split_path(pattern);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& s = segments[i];
    if (is_parameter(s)) {
      std::string name = s.substr(1, s.size() - 2);
      if (name.find_first_of("{}/") != std::string::npos) throw fail(fmt::format("malformed parameter '{}'", s));
      if (!names.insert(name).second) throw fail(fmt::format("parameter '{}' appears twice", name));
      r->parameters_.emplace_back(std::move(name), i);
      if (!n->parameter) n->parameter = std::make_unique<impl::node>();
      n = n->parameter.get();
    } else {
      if (s.find_first_of("{}") != std::string::npos)
        throw fail(fmt::format("segment '{}': a parameter is a whole segment, such as /alerts/{{id}}", s));
      auto& child = n->literal[s];
      if (!child) child = std::make_unique<impl::node>();
      n = child.get();
    }
  }
  if (const route* existing = n->by_method[slot_of(m)])
    throw fail(fmt::format("the same method and path shape are already routed by '{}'", existing->pattern()));
  n->by_method[slot_of(m)] = r.get();
  impl_->routes.push_back(std::move(r));
  return *impl_->routes.back();
}

router::match_result router::match(http::method m, const std::vector<std::string>& segments) const {
  match_result result;
  const auto wanted = [m](const impl::node& n) -> const route* {
    if (const route* r = n.by_method[slot_of(m)]) return r;
    if (m == method::head) return n.by_method[slot_of(method::get)];
    return nullptr;
  };
  impl::walk(impl_->root, segments, 0, [&](const impl::node& n) {
    result.found = wanted(n);
    return result.found != nullptr;
  });
  if (!result.found) result.allowed = allowed(segments);
  return result;
}

std::vector<http::method> router::allowed(const std::vector<std::string>& segments) const {
  std::array<bool, method_count> seen{};
  impl::walk(impl_->root, segments, 0, [&](const impl::node& n) {
    for (std::size_t i = 0; i < method_count; ++i) seen[i] = seen[i] || n.by_method[i] != nullptr;
    return false;
  });
  if (seen[slot_of(method::get)]) seen[slot_of(method::head)] = true;
  std::vector<http::method> out;
  for (auto candidate : all_methods)
    if (seen[slot_of(candidate)]) out.push_back(candidate);
  return out;
}

std::size_t router::guard_routes(const std::function<bool(const route&)>& which, const http::guard& g) {
  std::size_t n = 0;
  for (auto& r : impl_->routes)
    if (which(*r)) {
      r->guarded(g);
      ++n;
    }
  return n;
}

router& router::guard_builtins(http::guard g) {
  if (!g) throw std::invalid_argument("router::guard_builtins: the guard is empty");
  impl_->builtin_guards.push_back(std::move(g));
  return *this;
}

const std::vector<http::guard>& router::builtin_guards() const noexcept { return impl_->builtin_guards; }

std::function<bool(const route&)> under(std::string prefix, std::optional<http::method> only) {
  return [prefix = std::move(prefix), only](const route& r) {
    return r.pattern().starts_with(prefix) && (!only || r.method() == *only);
  };
}

std::size_t router::size() const noexcept { return impl_->routes.size(); }

const route& router::at(std::size_t index) const { return *impl_->routes.at(index); }

std::vector<std::string> router::dependencies() const {
  std::vector<std::string> out;
  std::set<std::string, std::less<>> seen;
  for (const auto& r : impl_->routes)
    for (const auto& d : r->dependencies())
      if (seen.insert(d.component).second) out.push_back(d.component);
  return out;
}

}  // namespace lifespan::http
