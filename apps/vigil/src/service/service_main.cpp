#include "service/service_main.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "delivery/redis_delivery.hpp"
#include "delivery/webhook_delivery.hpp"
#include "delivery/webhook_endpoints.hpp"
#include "lifespan/config/config.hpp"
#include "lifespan/data/database.hpp"
#include "lifespan/data/url.hpp"
#include "lifespan/http/bearer_auth.hpp"
#include "lifespan/http/server.hpp"
#include "lifespan/models/component.hpp"
#include "lifespan/http/static_files.hpp"
#include "lifespan/http_client/client.hpp"
#include "paths/bundled_files.hpp"
#include "service/access.hpp"
#include "service/alert_store.hpp"
#include "service/api_stats.hpp"
#include "service/demo_traffic.hpp"
#include "service/geoip.hpp"
#include "service/live_feed.hpp"
#include "service/pipeline.hpp"
#include "service/rules_component.hpp"
#include "service/status_feed.hpp"
#include "service/tailer.hpp"
#include "service/threat_model.hpp"

extern char** environ;

namespace vigil::service {
namespace {

std::optional<std::int64_t> number_param(lifespan::http::request& req, std::string_view name) {
  const auto text = req.query(name);
  if (!text) return std::nullopt;
  try {
    std::size_t used = 0;
    const auto v = std::stoll(*text, &used);
    if (used == text->size()) return v;
  } catch (const std::exception&) {
  }
  throw lifespan::http::error(lifespan::http::status::bad_request, "invalid_parameter",
                              fmt::format("query parameter '{}' must be an integer, got '{}'", name, *text));
}

lifespan::http::response list_alerts(lifespan::http::request& req) {
  alert_query q;
  q.since = number_param(req, "since");
  q.until = number_param(req, "until");
  q.before = number_param(req, "cursor");
  if (auto limit = number_param(req, "limit")) q.limit = static_cast<int>(std::clamp<std::int64_t>(*limit, 1, 1000));
  if (auto sev = req.query("severity")) {
    static const char* names[] = {"none", "low", "medium", "high", "critical"};
    auto it = std::find(std::begin(names), std::end(names), *sev);
    if (it == std::end(names))
      throw lifespan::http::error(lifespan::http::status::bad_request, "invalid_parameter",
                                  fmt::format("severity must be low, medium, high or critical, got '{}'", *sev));
    q.min_severity = static_cast<severity>(it - std::begin(names));
  }
  q.category = req.query("category");
  q.client = req.query("client");
  q.rule = req.query("rule");
  auto page = req.get<alert_store>("alerts").query(q);
  nlohmann::json body{{"alerts", nlohmann::json::array()}};
  for (const auto& a : page.alerts) body["alerts"].push_back(alert_json(a));
  body["next_cursor"] = page.next_cursor ? nlohmann::json(*page.next_cursor) : nlohmann::json(nullptr);
  return lifespan::http::response::json(body);
}

lifespan::http::response one_alert(lifespan::http::request& req) {
  const auto& text = req.param("id");
  std::int64_t id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(text, &used);
    if (used != text.size() || id <= 0) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw lifespan::http::error(lifespan::http::status::bad_request, "invalid_parameter",
                                fmt::format("alert id must be a positive integer, got '{}'", text));
  }
  const auto found = req.get<alert_store>("alerts").fetch({id});  // by seq: no arithmetic on the id
  if (found.empty())
    return lifespan::http::response::error(lifespan::http::status::not_found, "not found", fmt::format("no alert has id {}", id));
  return lifespan::http::response::json(alert_json(found.front()));
}

lifespan::http::response alert_stream(lifespan::http::request& req) {
  auto stream = lifespan::http::event_stream::open();
  std::optional<std::string> last;
  if (auto h = req.header("last-event-id")) last = std::string(*h);
  req.get<live_feed>("live").subscribe(stream, std::move(last));
  return lifespan::http::response::events(stream);
}

lifespan::http::response status(lifespan::http::request& req, const std::vector<std::string>& webhooks) {
  nlohmann::json body;
  if (auto* p = req.optional<pipeline>("pipeline")) {
    const auto s = p->stats();
    body["mode"] = s.mode;
    body["pipeline"] = pipeline_json(s);
  } else {
    body["mode"] = "rules";
    body["pipeline"] = nullptr;
  }
  if (auto* t = req.optional<tailer>("tailer")) {
    auto& files = body["files"] = nlohmann::json::array();
    for (const auto& f : t->status())
      files.push_back({{"path", f.path}, {"exists", f.exists}, {"problem", f.problem}, {"inode", f.inode}, {"offset", f.offset},
                       {"rotated_open", f.rotated_open}, {"rotations", f.rotations_seen},
                       {"truncations", f.truncations_seen}, {"skipped_long_lines", f.skipped_long_lines}});
  }
  if (auto* r = req.optional<rules_component>("rules")) {
    const auto last = r->last_reload();
    const auto set = r->engine().current();
    auto files = nlohmann::json::array();
    for (const auto& f : set->files()) files.push_back({{"path", f.path}, {"enabled", f.enabled}, {"rules", f.rules}});
    body["rules"] = {{"count", set->rules().size()},
                     {"files", std::move(files)},
                     {"generation", r->engine().generation()},
                     {"last_reload_ok", last.ok},
                     {"last_reload_error", last.error}};
  }
  // Alert delivery, per enabled sink: delivered, backlog, skipped, last error.
  auto& sinks = body["delivery"] = nlohmann::json::object();
  if (auto* r = req.optional<delivery::redis_delivery>("redis"))
    if (auto d = r->delivery()) sinks["redis"] = delivery::to_json(*d);
  if (auto* w = req.optional<delivery::webhook_delivery>("webhook"))
    if (auto d = w->delivery()) sinks["webhook"] = delivery::to_json(*d);
  for (const auto& name : webhooks)  // each endpoint on its own, keyed by its sink name "webhook:<name>"
    if (auto* w = req.optional<delivery::webhook_delivery>("webhooks." + name))
      if (auto d = w->delivery()) sinks[d->sink] = delivery::to_json(*d);
  return lifespan::http::response::json(body);
}

// The configuration as the service will read it (file, environment, --set), without reporting: the
// service's own validation reports every problem.
lifespan::config::document read_configuration(const lifespan::command_line& options, bool read_environment) {
  lifespan::config::error_list errors;
  auto doc = options.config.empty() ? lifespan::config::document::from_string("{}", "defaults", errors)
                                    : lifespan::config::document::from_file(
                                          options.config, errors,
                                          options.config_max_bytes ? options.config_max_bytes
                                                                   : lifespan::config::default_max_file_bytes);
  if (read_environment) doc.apply_environment("vigil", environ, errors);
  for (const auto& s : options.set) doc.apply_set(s, errors);
  return doc;
}

// A clean checkout has no ./var: create the SQLite file's directory (never during --check-config).
void prepare_sqlite_directory(const lifespan::command_line& options) {
  lifespan::config::error_list errors;
  auto doc = read_configuration(options, true);
  auto section = doc.get("db", errors);
  const auto url = section.get<std::string>("url", lifespan::data::database::options{}.url);
  try {
    const auto parsed = lifespan::data::database_url::parse(url);
    if (parsed.kind != lifespan::data::backend::sqlite || parsed.path.empty() || parsed.path == ":memory:") return;
    const auto dir = std::filesystem::path(parsed.path).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) std::filesystem::create_directories(dir, ec);
  } catch (const std::exception&) {
    // a malformed URL is reported by the database's own validation
  }
}

}  // namespace

layout read_layout(const lifespan::command_line& options, bool read_environment) {
  lifespan::config::error_list errors;
  const auto doc = read_configuration(options, read_environment);
  auto pipeline_section = doc.get("pipeline", errors);
  return {delivery::configured_endpoints(doc.get("webhooks", errors)),
          pipeline_section.get<std::string>("format", pipeline::options{}.parser.format),
          doc.get("live", errors).get<std::string>("web_dir", "")};
}

void assemble(lifespan::service& svc, const layout& l) {
  auto schema = std::make_shared<lifespan::data::schema>();
  svc.add<lifespan::data::database>("db", schema);
  svc.add<rules_component>("rules", l.log_format);
  svc.add<alert_store>("alerts").depends_on<lifespan::data::database>();
  svc.add<pipeline>("pipeline", &svc)
      .ready_gating()
      .depends_on<rules_component>()
      .depends_on<alert_store>()
      .stop_timeout(std::chrono::seconds(20));
  svc.add<tailer>("tailer").ready_gating().depends_on<pipeline>().depends_on<lifespan::data::database>();
  svc.add<status_feed>("status_feed", &svc).background().optional<pipeline>();  // /api/status/stream
  // The model manager and the threat model are optional: without a model the service runs in rules mode.
  svc.add<lifespan::models::models_component>("models", &svc).background();
  svc.add<threat_model>("threat_model")
      .background()
      .depends_on<lifespan::models::models_component>()
      .depends_on<pipeline>();
  // GeoIP is optional too: without its database file the service runs degraded, alerts carry no country.
  svc.add<geoip>("geoip").background().depends_on<pipeline>();

  svc.add<live_feed>("live").background().depends_on<pipeline>();
  svc.add<demo_traffic>("demo").background();
  svc.add<delivery::redis_delivery>("redis", &svc).background().depends_on<alert_store>();  // off unless enabled
  svc.add<lifespan::http_client::client>("http_client", &svc).background();  // the webhook's pooled client
  svc.add<delivery::webhook_delivery>("webhook", &svc)  // the single-URL form: off unless enabled
      .background()
      .depends_on<alert_store>()
      .depends_on<lifespan::http_client::client>();
  for (const auto& name : l.webhook_endpoints)  // webhooks.<name>: one component, relay and backlog each
    svc.add<delivery::webhook_delivery>("webhooks." + name, &svc)
        .background()
        .depends_on<alert_store>()
        .depends_on<lifespan::http_client::client>();
  // After the endpoints: validates the `webhooks` section and drops the backlog of removed endpoints.
  svc.add<delivery::webhook_endpoints>("webhooks", l.webhook_endpoints).background().depends_on<alert_store>();

  lifespan::http::router routes;
  routes.get("/api/alerts", list_alerts).needs<alert_store>("alerts");
  // Handlers run on the server's handler threads (SQLite queries may block), except those marked
  // run_inline(): they only touch memory. Streams subscribe in memory; the server writes them.
  routes.get("/api/alerts/stream", alert_stream).needs<live_feed>("live").run_inline();
  routes.get("/api/alerts/{id}", one_alert).needs<alert_store>("alerts");
  lifespan::http::add_static_files(routes, "/ui", l.web_dir.empty() ? paths::bundled().web() : std::filesystem::path(l.web_dir));
  routes.get("/", [](lifespan::http::request&) {
    return lifespan::http::response::text("the dashboard is at /ui\n", static_cast<lifespan::http::status>(302)).set("Location", "/ui");
  }).run_inline();
  auto& status_route = routes.get("/api/status", [webhooks = l.webhook_endpoints](lifespan::http::request& req) {
                                 return status(req, webhooks);
                               })
                           .optional<pipeline>("pipeline")
                           .optional<tailer>("tailer")
                           .optional<rules_component>("rules")
                           .optional<delivery::redis_delivery>("redis")
                           .optional<delivery::webhook_delivery>("webhook");
  for (const auto& name : l.webhook_endpoints) status_route.optional<delivery::webhook_delivery>("webhooks." + name);
  lifespan::models::add_routes(routes, "models");  // /models/...: versions, load/unload, labels, predict
  add_stats_routes(routes);                        // /api/stats, /api/status/stream
  protect(routes, lifespan::http::add_bearer_auth(svc));  // auth: { token, probes_token }; open when unset
  lifespan::http::add_server(svc, std::move(routes)).depends_on("auth");
}

int serve(lifespan::command_line options) {
  if (options.config.empty() && std::filesystem::exists(paths::bundled().config()))
    options.config = paths::bundled().config().string();
  if (!options.check_config && options.print_graph.empty()) prepare_sqlite_directory(options);
  lifespan::service svc("vigil");
  assemble(svc, read_layout(options));
  return svc.main(options);
}

}  // namespace vigil::service
