// The model manager's HTTP API (see component.hpp for the routes). Handlers run on the server's I/O
// threads: none waits for a load; predictions are as long as the model takes.
#include <algorithm>
#include <cmath>
#include <limits>

#include "lifespan/http/message.hpp"
#include "lifespan/models/component.hpp"

namespace lifespan::models {

namespace {

constexpr std::size_t max_rows = 10000;

// A row's value as a float; a number beyond a float's range (1e300) is the client's mistake, and
// converting it would be undefined behaviour.
float feature_value(const nlohmann::json& v, std::size_t row) {
  const auto d = v.get<double>();
  if (std::abs(d) > std::numeric_limits<float>::max())
    throw http::error(http::status::unprocessable_entity, "bad_rows",
                      "row " + std::to_string(row) + ": a value is beyond a float's range (about 3.4e38)");
  return static_cast<float>(d);
}

http::response answer(const outcome& o, const std::string& model) {
  if (!o.ok()) return http::response::error(static_cast<http::status>(o.code), o.error, o.reason);
  return http::response::json({{"model", model}, {"result", o.reason}}, static_cast<http::status>(o.code));
}

// {"version": N} from an optional body; 400 for anything else.
std::optional<std::uint64_t> version_of(const http::request& req, bool required) {
  if (req.body().empty()) {
    if (required) throw http::error(http::status::bad_request, "bad_request", "the body must be {\"version\": N}");
    return std::nullopt;
  }
  auto body = req.json();
  if (!body.is_object()) throw http::error(http::status::bad_request, "bad_request", "the body must be a JSON object");
  auto v = body.find("version");
  if (v == body.end()) {
    if (required) throw http::error(http::status::bad_request, "bad_request", "missing \"version\" (a number)");
    return std::nullopt;
  }
  if (!v->is_number_unsigned())
    throw http::error(http::status::bad_request, "bad_request", "\"version\" must be a non-negative integer");
  return v->get<std::uint64_t>();
}

models::manager& mgr(http::request& req, const std::string& component) {
  return req.get<models_component>(component).manager();
}

http::response predict(http::request& req, models::manager& m) {
  const std::string& name = req.param("model");
  auto body = req.json();
  auto bad = [](std::string why) { return http::error(http::status::unprocessable_entity, "bad_rows", std::move(why)); };
  if (!body.is_object() || !body.contains("rows") || !body["rows"].is_array())
    throw bad("the body must be {\"rows\": [[f0, f1, ...], ...]} (numbers; null for a missing value)");
  const auto& rows = body["rows"];
  if (rows.empty()) throw bad("\"rows\" is empty");
  if (rows.size() > max_rows)
    throw http::error(http::status::payload_too_large, "too_many_rows",
                      std::to_string(rows.size()) + " rows; at most " + std::to_string(max_rows) + " per request");
  auto ref = m.model(name);
  if (!ref) throw http::error(http::status::not_found, "unknown_model", "no model named '" + name + "'");
  handle h;
  if (auto v = body.find("version"); v != body.end()) {
    if (!v->is_number_unsigned()) throw http::error(http::status::bad_request, "bad_request", "\"version\" must be a number");
    h = m.acquire_version(name, v->get<std::uint64_t>());
  } else if (auto l = body.find("label"); l != body.end()) {
    if (!l->is_string()) throw http::error(http::status::bad_request, "bad_request", "\"label\" must be a string");
    h = ref.acquire(l->get<std::string>());
  } else {
    h = m.acquire_or_load(name, std::chrono::milliseconds(0));  // lazy models start loading; never wait here
  }
  if (!h) {
    auto r = http::response::error(http::status::service_unavailable, "model_unavailable",
                                   "model '" + name + "' has no loaded version for this request (loading, failed or "
                                   "unloaded: GET /models/" + name + " says why); fall back or retry");
    r.set("Retry-After", "1");
    return r;
  }
  const std::size_t width = h->num_features();
  std::vector<float> values;
  values.reserve(rows.size() * width);
  const auto& names = h.manifest().features;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.is_object()) {  // by feature name, per the manifest's schema; absent features are missing (NaN)
      if (names.size() != width)
        throw bad("row " + std::to_string(i) + ": model '" + name + "' v" + std::to_string(h.version()) +
                  " has no feature names in its manifest; send rows as arrays of " + std::to_string(width) + " values");
      for (const auto& [key, v] : row.items())
        if (std::find(names.begin(), names.end(), key) == names.end())
          throw bad("row " + std::to_string(i) + ": unknown feature '" + key + "' (the schema of v" +
                    std::to_string(h.version()) + " has " + std::to_string(width) + " features)");
      for (const auto& feature : names) {
        auto v = row.find(feature);
        if (v == row.end() || v->is_null()) values.push_back(std::numeric_limits<float>::quiet_NaN());
        else if (v->is_number()) values.push_back(feature_value(*v, i));
        else throw bad("row " + std::to_string(i) + ": feature '" + feature + "' must be a number or null");
      }
      continue;
    }
    if (!row.is_array() || row.size() != width)
      throw bad("row " + std::to_string(i) + " must be an array of " + std::to_string(width) + " values (model '" +
                name + "' v" + std::to_string(h.version()) + " has " + std::to_string(width) + " features)");
    for (const auto& v : row) {
      if (v.is_null()) values.push_back(std::numeric_limits<float>::quiet_NaN());
      else if (v.is_number()) values.push_back(feature_value(v, i));
      else throw bad("row " + std::to_string(i) + ": values must be numbers or null, got " + v.type_name());
    }
  }
  std::vector<float> scores;
  try {
    h.predict(values, rows.size(), scores);
  } catch (const std::exception& e) {
    return http::response::error(http::status::internal_server_error, "prediction_failed",
                                 "model '" + name + "' v" + std::to_string(h.version()) + ": " + e.what());
  }
  return http::response::json({{"model", name}, {"version", h.version()}, {"scores", scores}});
}

}  // namespace

void add_routes(http::router& routes, const std::string& component) {
  auto c = component;
  routes.get("/models", [c](http::request& req) { return http::response::json(mgr(req, c).list()); })
      .needs<models_component>(c);
  routes.get("/models/{model}", [c](http::request& req) {
    auto shown = mgr(req, c).show(req.param("model"));
    if (!shown) throw http::error(http::status::not_found, "unknown_model", "no model named '" + req.param("model") + "'");
    return http::response::json(*shown);
  }).needs<models_component>(c);
  routes.get("/models/{model}/transitions", [c](http::request& req) {
    nlohmann::json out = nlohmann::json::array();
    for (auto& t : mgr(req, c).transitions(10000))
      if (t["model"] == req.param("model")) out.push_back(t);
    return http::response::json({{"model", req.param("model")}, {"transitions", out}});
  }).needs<models_component>(c);
  routes.post("/models/{model}/load", [c](http::request& req) {
    return answer(mgr(req, c).load(req.param("model"), version_of(req, false)), req.param("model"));
  }).needs<models_component>(c);
  routes.post("/models/{model}/unload", [c](http::request& req) {
    return answer(mgr(req, c).unload(req.param("model"), version_of(req, false)), req.param("model"));
  }).needs<models_component>(c);
  routes.post("/models/{model}/reload", [c](http::request& req) {
    return answer(mgr(req, c).reload(req.param("model"), version_of(req, false)), req.param("model"));
  }).needs<models_component>(c);
  routes.put("/models/{model}/labels/{label}", [c](http::request& req) {
    return answer(mgr(req, c).set_label(req.param("model"), req.param("label"), *version_of(req, true)),
                  req.param("model"));
  }).needs<models_component>(c);
  routes.del("/models/{model}/labels/{label}", [c](http::request& req) {
    return answer(mgr(req, c).remove_label(req.param("model"), req.param("label")), req.param("model"));
  }).needs<models_component>(c);
  routes.post("/models/{model}/predict", [c](http::request& req) { return predict(req, mgr(req, c)); })
      .needs<models_component>(c);
  routes.post("/models/rescan", [c](http::request& req) {
    mgr(req, c).rescan();
    return http::response::json({{"result", "rescanned"}});
  }).needs<models_component>(c);
}

}  // namespace lifespan::models
