#include "crs/detector.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "parse/log_format.hpp"

namespace vigil::crs {
namespace {

const char* severity_names[] = {"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"};

// The message as CRS wrote it: literal text, macros shown as written (messages of detection rules
// are literal; the blocking rules' score macro is not shown in alerts).
std::string display(const macro_text& m) {
  std::string out;
  for (const auto& p : m.parts) out += p.is_variable ? "%{" + p.text + (p.key.empty() ? "" : "." + p.key) + "}" : p.text;
  return out;
}

bool bookkeeping(int id) { return id >= 949000; }  // blocking evaluation and correlation

std::size_t family_of(const rule& r) {
  for (const auto& t : r.tags) {
    if (t.rfind("attack-", 0) != 0) continue;
    const std::string_view family = std::string_view(t).substr(7);
    for (std::size_t i = 0; i + 1 < crs_families.size(); ++i)
      if (crs_families[i] == family) return i;
  }
  return crs_families.size() - 1;  // "other"
}

}  // namespace

std::string default_cache_dir(bool service) {
  if (service) return "./var/cache/crs";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/vigil";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/vigil";
  return {};
}

std::shared_ptr<const crs_rules> crs_rules::load(const crs_options& options) {
  auto out = std::make_shared<crs_rules>();
  out->options_ = options;
  load_options effective = options.load;
  if (!options.cache) effective.cache_dir.clear();
  else if (effective.cache_dir.empty()) effective.cache_dir = default_cache_dir(options.service);
  out->rules_ = rule_set::load(effective);
  out->filter_ = std::make_shared<const prefilter>(out->rules_);
  return out;
}

std::vector<std::string> headers_logged_by(const std::string& format) {
  if (format == "json") return {"Host", "User-Agent", "Referer"};
  const std::string spec = format == "combined" ? std::string(log_format::combined_spec) : format;
  auto names = [&](const char* v) {
    return spec.find(std::string("$") + v) != std::string::npos || spec.find(std::string("${") + v + "}") != std::string::npos;
  };
  std::vector<std::string> out;
  if (names("host")) out.push_back("Host");
  if (names("http_user_agent")) out.push_back("User-Agent");
  if (names("http_referer")) out.push_back("Referer");
  return out;
}

crs_options for_format(crs_options options, const std::string& format) {
  options.load.logged_headers = headers_logged_by(format);
  return options;
}

severity severity_for_score(int score, int threshold) {
  if (threshold <= 0) threshold = 1;
  if (score >= 4 * threshold) return severity::critical;
  if (score >= 2 * threshold) return severity::high;
  if (score >= threshold) return severity::medium;
  return score > 0 ? severity::low : severity::none;
}

std::string crs_result::json() const {
  nlohmann::json j;
  j["score"] = score;
  j["threshold"] = threshold;
  j["category"] = category;
  auto& rules = j["rules"] = nlohmann::json::array();
  for (const auto& f : findings)
    rules.push_back({{"id", f.id}, {"msg", f.msg}, {"tags", f.tags}, {"severity", f.severity},
                     {"variable", f.variable}, {"data", f.data}});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

crs_detector::crs_detector(std::shared_ptr<const crs_rules> rules)
    : rules_(std::move(rules)), evaluator_(rules_->rules()), prefilter_(rules_->filter()) {
  result_.threshold = rules_->options().load.anomaly_threshold;
}

const crs_result& crs_detector::detect(const log_record& record, std::string_view client) {
  request_.assign(record);
  if (!client.empty()) request_.remote_addr.assign(client);
  prefilter_.scan(request_);
  const verdict& v = evaluator_.evaluate(request_, &prefilter_);
  result_.flagged = v.flagged;
  result_.score = v.anomaly_score;
  result_.level = v.flagged ? severity_for_score(v.anomaly_score, result_.threshold) : severity::none;
  result_.category.clear();
  result_.findings.clear();
  result_.family_hits.fill(0);
  for (const auto& m : v.matches)
    if (!bookkeeping(m.matched->id)) {
      auto& hits = result_.family_hits[family_of(*m.matched)];
      if (hits < 255) ++hits;
    }
  if (!v.flagged) return result_;
  int category_severity = 8;
  for (const auto& m : v.matches) {
    const rule& r = *m.matched;
    if (bookkeeping(r.id)) continue;
    crs_finding f{r.id, display(r.msg), r.tags, r.severity >= 0 && r.severity < 8 ? severity_names[r.severity] : "",
                  m.variable, m.data};
    // The category of the gravest rule (CRITICAL before WARNING), the first of equals.
    if (r.severity >= 0 && r.severity < category_severity)
      for (const auto& t : r.tags)
        if (t.rfind("attack-", 0) == 0) {
          result_.category = t.substr(7);
          category_severity = r.severity;
          break;
        }
    result_.findings.push_back(std::move(f));
  }
  if (result_.category.empty()) result_.category = "generic";
  return result_;
}

}  // namespace vigil::crs
