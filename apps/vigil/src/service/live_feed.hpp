#pragma once
// The live alert stream behind GET /api/alerts/stream (server-sent events, one `alert` event per
// alert, its id the alert's key). Every alert the pipeline commits is pushed to each open stream.
// The last `backlog` alerts are kept, so a client that reconnects with Last-Event-ID receives what
// it missed while that alert is still in the backlog (older gaps: the dashboard reloads the page of
// alerts through /api/alerts anyway). Its section also names the dashboard's files, `live.web_dir`
// (default: the bundled web/, paths/bundled_files.hpp), read when the service is assembled: a change
// takes a restart.
//
// Lifetime: subscribe() from HTTP handlers while the component is up; stop() detaches from the
// pipeline and ends every open stream. Thread-safety: subscribe() and the pipeline's commit callback
// may run concurrently; both take one mutex for a few pointer copies and string appends.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lifespan/core/component.hpp"
#include "lifespan/http/event_stream.hpp"
#include "service/alert.hpp"

namespace vigil::service {

class pipeline;

// The JSON an alert is served as, by /api/alerts and by the stream.
nlohmann::json alert_json(const alert& a);

class live_feed : public lifespan::component {
 public:
  struct options {
    std::size_t backlog = 1000;
  };
  static options read_options(lifespan::config::section& section);
  explicit live_feed(options o) : options_(o) {}

  void start(lifespan::context& ctx) override;  // requires the pipeline
  void stop(lifespan::time_point deadline) override;

  void subscribe(std::shared_ptr<lifespan::http::event_stream> stream, std::optional<std::string> last_event_id);
  std::size_t subscribers() const;

 private:
  void publish(const std::vector<alert>& alerts);

  options options_;
  pipeline* pipeline_ = nullptr;
  mutable std::mutex mutex_;
  std::deque<std::pair<std::string, std::string>> backlog_;  // key, JSON
  std::vector<std::shared_ptr<lifespan::http::event_stream>> streams_;
};

}  // namespace vigil::service
