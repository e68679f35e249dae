#pragma once
// Per-client behaviour that single lines do not show: bursts of 404s (scanners walking a word
// list), repeated 401/403 on authentication paths (password guessing), and request floods.
//
// Each client has one counter per detector using a sliding-window estimate (the count of the
// current fixed window plus the previous window's count weighted by how much of it still
// overlaps), so a client costs a fixed few dozen bytes whatever its rate. At most max_clients
// are tracked; the least recently seen client is evicted first (evictions are counted). A client
// is reported at most once per window per detector. Time is the log's own time (epoch seconds),
// so replaying a file gives the same result as tailing it; lines slightly out of order count
// in the current window.
//
// Not thread-safe: one tracker per pipeline stage (or per shard of clients).
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vigil {

enum class behaviour_kind : std::uint8_t { not_found_burst, failed_logins, flood };
std::string_view behaviour_name(behaviour_kind kind);  // "not_found_burst", ...

struct behaviour_options {
  std::size_t max_clients = 100'000;
  std::uint32_t not_found_threshold = 20;  // 404s ...
  std::int64_t not_found_window = 60;      // ... within this many seconds
  std::uint32_t failed_login_threshold = 10;
  std::int64_t failed_login_window = 300;
  std::vector<std::string> auth_paths{"/login", "/signin", "/wp-login.php", "/xmlrpc.php", "/user/login",
                                      "/admin/login", "/api/login", "/api/auth", "/oauth/token"};
  std::vector<int> failed_login_statuses{401, 403};
  std::uint32_t flood_threshold = 600;
  std::int64_t flood_window = 60;
};

struct behaviour_alert {
  behaviour_kind kind;
  std::string client;
  std::uint32_t count;  // estimated events in the window when the threshold was crossed
  std::int64_t window;  // seconds
};

class behaviour_tracker {
 public:
  explicit behaviour_tracker(behaviour_options options = {});

  // Records one request; appends alerts for thresholds crossed by it. `path` is the target
  // without its query.
  void observe(std::string_view client, std::int64_t epoch, int status, std::string_view path,
               std::vector<behaviour_alert>& alerts);

  std::size_t tracked() const { return index_.size(); }
  std::uint64_t evicted() const { return evicted_; }
  bool is_auth_path(std::string_view path) const;

 private:
  struct counter {
    std::int64_t window_start = 0;
    std::uint32_t current = 0;
    std::uint32_t previous = 0;
    std::int64_t last_alert = INT64_MIN / 2;
  };
  struct client_state {
    std::string key;
    counter not_found, failed_logins, requests;
  };
  bool bump(counter& c, std::int64_t now, std::int64_t window, std::uint32_t threshold, std::uint32_t& estimate);
  client_state& touch(std::string_view client);

  behaviour_options options_;
  std::list<client_state> lru_;  // most recently seen first
  std::unordered_map<std::string_view, std::list<client_state>::iterator> index_;  // keys view lru_ nodes
  std::uint64_t evicted_ = 0;
};

}  // namespace vigil
