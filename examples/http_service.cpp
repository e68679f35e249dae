// An HTTP service: a store that takes two seconds to open, routes that need it, and the probes.
// The listener opens at once: /livez answers within milliseconds, /startupz and /readyz say 503 until
// the store is up, and so does every route that needs it (naming the store and its state).
//   build/release/examples/example_http_service --set http.port=8080
//   curl -i localhost:8080/readyz; curl -i localhost:8080/api/alerts/1
//   curl -i -XPOST localhost:8080/api/alerts -d '{"title": "disk full"}'
//   kill -TERM <pid>   # readiness off, readiness delay, drain, stop in reverse order
#include <lifespan/http/server.hpp>

#include <map>
#include <mutex>
#include <thread>

struct alert_store : lifespan::component {
  void start(lifespan::context& ctx) override {  // opening a database, say; cancellable
    for (int i = 0; i < 20 && !ctx.stop_token().stop_requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Handlers run on several handler threads at once: the store is shared, so it locks.
  std::optional<std::string> find(int id) {
    std::lock_guard lock(mutex);
    auto it = alerts.find(id);
    return it == alerts.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  int add(std::string title) {
    std::lock_guard lock(mutex);
    alerts.emplace(++last_id, std::move(title));
    return last_id;
  }

  std::mutex mutex;
  std::map<int, std::string> alerts;
  int last_id = 0;
};

int main(int argc, char** argv) {
  namespace http = lifespan::http;
  lifespan::service svc{"alerts"};
  svc.add<alert_store>("db");

  http::router routes;
  routes.get("/api/alerts/{id}", [](http::request& req) {
    const int id = std::atoi(req.param("id").c_str());
    auto title = req.get<alert_store>("db").find(id);
    if (!title) throw http::error(http::status::not_found, "not found", "no alert " + req.param("id"));
    return http::response::json({{"id", id}, {"title", *title}});
  }).needs<alert_store>("db");
  routes.post("/api/alerts", [](http::request& req) {
    const auto body = req.json();  // 400 with the parser's reason when it is not JSON
    if (!body.contains("title") || !body["title"].is_string())
      throw http::error(http::status::unprocessable_entity, "invalid alert", "a string 'title' is required");
    const int id = req.get<alert_store>("db").add(body["title"]);
    return http::response::json({{"id", id}}, http::status::created);
  }).needs<alert_store>("db");

  http::add_server(svc, std::move(routes));  // component "http": critical, no required dependency
  return svc.main(argc, argv);               // http: {port: 8080, threads: 0, ...} in --config, or --set
}
