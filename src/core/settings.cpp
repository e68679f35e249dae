#include "settings.hpp"

#include <thread>

namespace lifespan::detail {
namespace {

duration read_positive(config::section& s, std::string_view key, duration fallback) {
  const duration d = s.get<config::duration>(key, std::chrono::duration_cast<config::duration>(fallback));
  if (d <= duration::zero() && s.has(key)) s.report(key, "must be longer than 0", "for example 5s");
  return d;
}

}  // namespace

runtime_settings read_runtime_settings(const config::document& doc, config::error_list& errors) {
  runtime_settings r;
  auto startup = doc.get("startup", errors);
  r.startup_deadline = read_positive(startup, "deadline", r.startup_deadline);
  r.progress_interval = read_positive(startup, "progress_interval", r.progress_interval);
  const auto default_parallel = std::max<std::int64_t>(16, 4 * std::thread::hardware_concurrency());
  const auto parallel = startup.get<std::int64_t>("max_parallel_hooks", default_parallel);
  if (parallel < 1) startup.report("max_parallel_hooks", "must be at least 1", "the default is 16");
  r.max_parallel_hooks = static_cast<std::size_t>(std::max<std::int64_t>(parallel, 1));
  startup.finish();

  auto shutdown = doc.get("shutdown", errors);
  r.readiness_delay = shutdown.get<config::duration>("readiness_delay", r.readiness_delay);
  r.drain_timeout = read_positive(shutdown, "drain_timeout", r.drain_timeout);
  r.grace_period = read_positive(shutdown, "grace_period", r.grace_period);
  if (r.readiness_delay < duration::zero()) shutdown.report("readiness_delay", "must not be negative");
  shutdown.finish();

  auto logging = doc.get("logging", errors);
  r.log_format = logging.get<std::string>("format", r.log_format);
  if (r.log_format != "text" && r.log_format != "json")
    logging.report("format", "must be 'text' or 'json', got " + config::quote(r.log_format));
  r.log_level = logging.get<std::string>("level", r.log_level);
  static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(levels.begin(), levels.end(), r.log_level) == levels.end())
    logging.report("level", "unknown log level " + config::quote(r.log_level), "one of trace, debug, info, warn, error, critical, off");
  r.log_file = logging.get<std::string>("file", r.log_file);
  logging.finish();
  return r;
}

component_settings read_component_settings(config::section& s, const timeouts& registered) {
  component_settings c;
  if (!s.exists()) {  // the common case: nothing configured, so the registered defaults stand
    c.timeouts = registered;
    return c;
  }
  c.timeouts.start = read_positive(s, "start_timeout", registered.start);
  c.timeouts.stop = read_positive(s, "stop_timeout", registered.stop);
  c.timeouts.health_interval = read_positive(s, "health_interval", registered.health_interval);
  c.timeouts.health_timeout = read_positive(s, "health_timeout", registered.health_timeout);
  c.retry.initial = read_positive(s, "retry_initial", c.retry.initial);
  c.retry.max = read_positive(s, "retry_max", c.retry.max);
  return c;
}

}  // namespace lifespan::detail
