// The `pipeline:` configuration section (apps/vigil/config/vigil.yaml lists every key).
#include <charconv>
#include <thread>

#include "parse/client_address.hpp"
#include "service/pipeline.hpp"

namespace vigil::service {
namespace {

// pipeline.behaviour_windows: {not_found: {threshold, window}, failed_logins: {threshold, window,
// paths, statuses}, flood: {threshold, window}}; windows are durations of whole seconds.
void read_windows(lifespan::config::section s, behaviour_options& w) {
  if (!s.exists()) return;
  auto detector = [&s](const char* name, std::uint32_t& threshold, std::int64_t& window) {
    auto d = s.child(name);
    if (!d.exists()) return;
    const auto t = d.get<std::int64_t>("threshold", threshold);
    if (t < 1 || t > 1'000'000'000) d.report("threshold", "must be between 1 and 1000000000", "events per window");
    else threshold = static_cast<std::uint32_t>(t);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                             d.get<lifespan::duration>("window", std::chrono::seconds(window)))
                             .count();
    if (seconds < 1) d.report("window", "must be at least 1s", "for example 60s or 5m");
    else window = seconds;
  };
  detector("not_found", w.not_found_threshold, w.not_found_window);
  detector("failed_logins", w.failed_login_threshold, w.failed_login_window);
  detector("flood", w.flood_threshold, w.flood_window);
  if (auto f = s.child("failed_logins"); f.exists()) {
    w.auth_paths = f.get<std::vector<std::string>>("paths", w.auth_paths);
    if (auto statuses = f.find<std::vector<std::string>>("statuses")) {
      w.failed_login_statuses.clear();
      for (const auto& text : *statuses) {
        int status = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), status);
        if (ec != std::errc() || end != text.data() + text.size() || status < 100 || status > 599)
          f.report("statuses", "'" + text + "' is not an HTTP status", "for example [401, 403]");
        else w.failed_login_statuses.push_back(status);
      }
    }
  }
}

}  // namespace

unsigned pipeline::default_detect_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

pipeline::options pipeline::read_options(lifespan::config::section& s) {
  options o;
  o.parser.format = s.get<std::string>("format", o.parser.format);
  try {
    line_parser probe(o.parser);
  } catch (const std::exception& e) {
    s.report("format", e.what(), "use combined, json, or an nginx log_format string");
  }
  o.parser.max_line = static_cast<std::size_t>(s.get<std::int64_t>("max_line", static_cast<std::int64_t>(o.parser.max_line)));
  o.behaviour = s.get<bool>("behaviour", o.behaviour);
  const auto clients = s.get<std::int64_t>("behaviour_max_clients", static_cast<std::int64_t>(o.windows.max_clients));
  if (clients < 1 || clients > 100'000'000)
    s.report("behaviour_max_clients", "must be between 1 and 100000000",
             "100000 (about 20 MB); the least recently seen client is forgotten beyond it");
  else o.windows.max_clients = static_cast<std::size_t>(clients);
  read_windows(s.child("behaviour_windows"), o.windows);
  const auto capacity = s.get<std::int64_t>("queue_capacity", static_cast<std::int64_t>(o.queue_capacity));
  if (capacity < 1 || capacity > 100000) s.report("queue_capacity", "must be between 1 and 100000", "64 suits most hosts");
  else o.queue_capacity = static_cast<std::size_t>(capacity);
  const auto threads = s.get<std::int64_t>("detect_threads", static_cast<std::int64_t>(o.detect_threads));
  if (threads < 1 || threads > 256)
    s.report("detect_threads", "must be between 1 and 256",
             "leave it out for one per core (" + std::to_string(default_detect_threads()) + " here); 1 detects on one thread");
  else o.detect_threads = static_cast<unsigned>(threads);
  const auto commit = s.get<std::int64_t>("max_commit_lines", static_cast<std::int64_t>(o.max_commit_lines));
  if (commit < 1) s.report("max_commit_lines", "must be at least 1", "20000 keeps transactions short");
  else o.max_commit_lines = static_cast<std::size_t>(commit);
  o.trusted_proxies = s.get<std::vector<std::string>>("trusted_proxies", o.trusted_proxies);
  try {
    address_set check(o.trusted_proxies);
  } catch (const std::exception& e) {
    s.report("trusted_proxies", e.what(), "list CIDRs, e.g. [10.0.0.0/8, 2001:db8::/32]");
  }
  o.retry_initial = s.get<lifespan::duration>("retry_initial", o.retry_initial);
  o.retry_max = s.get<lifespan::duration>("retry_max", o.retry_max);
  o.commit_delay = s.get<lifespan::duration>("commit_delay", o.commit_delay);
  return o;
}

}  // namespace vigil::service
