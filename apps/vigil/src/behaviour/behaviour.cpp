#include "behaviour/behaviour.hpp"

#include <algorithm>

namespace vigil {

std::string_view behaviour_name(behaviour_kind kind) {
  switch (kind) {
    case behaviour_kind::not_found_burst: return "not_found_burst";
    case behaviour_kind::failed_logins: return "failed_logins";
    case behaviour_kind::flood: return "flood";
  }
  return "unknown";
}

behaviour_tracker::behaviour_tracker(behaviour_options options) : options_(std::move(options)) {
  options_.max_clients = std::max<std::size_t>(options_.max_clients, 1);
  options_.not_found_window = std::max<std::int64_t>(options_.not_found_window, 1);
  options_.failed_login_window = std::max<std::int64_t>(options_.failed_login_window, 1);
  options_.flood_window = std::max<std::int64_t>(options_.flood_window, 1);
  index_.reserve(std::min<std::size_t>(options_.max_clients, 1 << 16));
}

bool behaviour_tracker::is_auth_path(std::string_view path) const {
  for (const auto& p : options_.auth_paths) {
    if (path.size() >= p.size() && path.compare(0, p.size(), p) == 0 &&
        (path.size() == p.size() || path[p.size()] == '/' || path[p.size()] == '.'))
      return true;
  }
  return false;
}

behaviour_tracker::client_state& behaviour_tracker::touch(std::string_view client) {
  const auto it = index_.find(client);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
  }
  if (index_.size() >= options_.max_clients) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
    ++evicted_;
  }
  lru_.emplace_front();
  lru_.front().key.assign(client);
  index_.emplace(lru_.front().key, lru_.begin());
  return lru_.front();
}

bool behaviour_tracker::bump(counter& c, std::int64_t now, std::int64_t window, std::uint32_t threshold,
                             std::uint32_t& estimate) {
  const std::int64_t start = now - (now % window + window) % window;
  if (start > c.window_start) {
    c.previous = start - c.window_start == window ? c.current : 0;
    c.current = 0;
    c.window_start = start;
  }
  ++c.current;
  const std::int64_t into = std::clamp<std::int64_t>(now - c.window_start, 0, window);
  estimate = c.current + static_cast<std::uint32_t>(static_cast<std::uint64_t>(c.previous) *
                                                    static_cast<std::uint64_t>(window - into) /
                                                    static_cast<std::uint64_t>(window));
  if (estimate < threshold || now - c.last_alert < window) return false;
  c.last_alert = now;
  return true;
}

void behaviour_tracker::observe(std::string_view client, std::int64_t epoch, int status, std::string_view path,
                                std::vector<behaviour_alert>& alerts) {
  if (client.empty()) return;
  auto& state = touch(client);
  std::uint32_t estimate = 0;
  if (bump(state.requests, epoch, options_.flood_window, options_.flood_threshold, estimate))
    alerts.push_back({behaviour_kind::flood, state.key, estimate, options_.flood_window});
  if (status == 404 &&
      bump(state.not_found, epoch, options_.not_found_window, options_.not_found_threshold, estimate))
    alerts.push_back({behaviour_kind::not_found_burst, state.key, estimate, options_.not_found_window});
  if (std::find(options_.failed_login_statuses.begin(), options_.failed_login_statuses.end(), status) !=
          options_.failed_login_statuses.end() &&
      is_auth_path(path) &&
      bump(state.failed_logins, epoch, options_.failed_login_window, options_.failed_login_threshold, estimate))
    alerts.push_back({behaviour_kind::failed_logins, state.key, estimate, options_.failed_login_window});
}

}  // namespace vigil
