#include "service/rules_component.hpp"

#include "crs/exclusions.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <future>
#include <stdexcept>

namespace vigil::service {

namespace {

crs::crs_options read_crs(lifespan::config::section section) {
  crs::crs_options o;
  o.service = true;  // the compiled prefilter is cached under ./var/cache/crs unless cache_dir says otherwise
  if (!section.exists()) return o;
  o.load.cache_dir = section.get<std::string>("cache_dir", o.load.cache_dir);
  o.enabled = section.get<bool>("enabled", o.enabled);
  o.load.rules_dir = section.get<std::string>("path", o.load.rules_dir);
  o.load.setup_file = section.get<std::string>("setup", o.load.setup_file);
  o.load.paranoia_level = section.get<int>("paranoia_level", o.load.paranoia_level);
  if (o.load.paranoia_level < 1 || o.load.paranoia_level > 4)
    section.report("paranoia_level", "must be 1, 2, 3 or 4", "1 (CRS's default) flags the fewest false alarms");
  o.load.anomaly_threshold = section.get<int>("anomaly_threshold", o.load.anomaly_threshold);
  if (o.load.anomaly_threshold < 1)
    section.report("anomaly_threshold", "must be at least 1", "5, CRS's default: one critical rule");
  return o;
}

// rules.crs.logged_headers when the key is there.
std::optional<std::vector<std::string>> read_logged_headers(lifespan::config::section& section) {
  auto crs = section.child("crs");
  if (!crs.exists()) return std::nullopt;
  return crs.find<std::vector<std::string>>("logged_headers");
}

// A key removed before a SIGHUP returns to its default, as at startup.
rule_sources read_sources(lifespan::config::section& section) {
  return {section.get<std::string>("path", paths::bundled().rules().string()), section.get<std::string>("dir", "")};
}

// rules.exclusions become SecLang that both vigil and a replay through ModSecurity apply.
void read_tuning(lifespan::config::section& section, rules_component::options& o) {
  std::vector<crs::exclusion> exclusions;
  for (const auto& text : section.get<std::vector<std::string>>("exclusions", {})) {
    try {
      exclusions.push_back(crs::exclusion::parse(text));
    } catch (const std::exception& e) {
      section.report("exclusions", e.what(), "for example \"rule=942100 path=/search arg=q\"");
    }
  }
  o.crs.load.extra_directives = crs::exclusion_directives(exclusions);
  o.allow_clients = section.get<std::vector<std::string>>("allow_clients", o.allow_clients);
  try {
    address_set check(o.allow_clients);
  } catch (const std::exception& e) {
    section.report("allow_clients", e.what(), "list CIDRs, e.g. [10.0.0.0/8, 2001:db8::/32]");
  }
}

}  // namespace

rules_component::options rules_component::read_options(lifespan::config::section& section) {
  options o;
  o.sources = read_sources(section);
  o.crs = read_crs(section.child("crs"));
  o.logged_headers = read_logged_headers(section);
  read_tuning(section, o);
  try {
    rule_set::check(o.sources);  // cheap: the databases are built once, in start()
  } catch (const rule_error& e) {
    if (!o.sources.dir.empty() && e.file() == o.sources.dir)
      section.report("dir", e.what(), "point rules.dir at an existing directory, e.g. /etc/vigil/rules.d");
    else if (!e.file().empty() && e.file() != o.sources.file)  // a file in rules.d
      section.report("dir", e.what(), "fix or turn off (enabled: false) the file named above");
    else
      section.report("path", e.what(), "fix the rule named above, or point rules.path at a valid rules file");
  }
  return o;
}

rules_component::rules_component(options o, std::string log_format)
    : log_format_(std::move(log_format)), options_(resolved(std::move(o))) {}

rules_component::options rules_component::resolved(options o) const {
  o.crs.load.logged_headers = o.logged_headers ? *o.logged_headers : crs::headers_logged_by(log_format_);
  return o;
}

void rules_component::start(lifespan::context&) {
  // CRS loads on its own thread while vigil's signatures compile here: the two take about as long
  // on a warm start, so CRS adds next to nothing to the startup critical path.
  std::future<std::shared_ptr<const crs::crs_rules>> loading;
  if (options_.crs.enabled) loading = std::async(std::launch::async, [o = options_.crs] { return crs::crs_rules::load(o); });
  engine_ = std::make_unique<rule_engine>(options_.sources);  // throws rule_error naming the rule
  std::shared_ptr<const crs::crs_rules> crs;
  std::string error;
  if (loading.valid()) {
    try {
      crs = loading.get();
    } catch (const std::exception& e) {
      error = e.what();
      spdlog::error("rules: CRS not loaded, vigil's own rules only: {}", error);
    }
  }
  auto allowed = std::make_shared<const address_set>(options_.allow_clients);
  std::lock_guard lock(mutex_);
  last_ = {true, {}, engine_->current()->rules().size(), engine_->generation()};
  allowed_ = std::move(allowed);
  if (crs) spdlog::info("rules: CRS {} at paranoia level {}, anomaly threshold {}", options_.crs.load.rules_dir,
                        options_.crs.load.paranoia_level, options_.crs.load.anomaly_threshold);
  crs_ = std::move(crs);
  crs_error_ = std::move(error);
}

std::shared_ptr<const crs::crs_rules> rules_component::crs() const {
  std::lock_guard lock(mutex_);
  return crs_;
}

std::shared_ptr<const address_set> rules_component::allowed_clients() const {
  std::lock_guard lock(mutex_);
  return allowed_;
}

std::optional<lifespan::health_report> rules_component::check_health(std::stop_token) {
  std::lock_guard lock(mutex_);
  if (!crs_error_.empty()) return lifespan::health_report::degraded("CRS not in force (vigil's own rules only): " + crs_error_);
  return lifespan::health_report::ok();
}

bool rules_component::reload(lifespan::config::section& section) {
  options next;
  next.sources = read_sources(section);
  next.crs = read_crs(section.child("crs"));
  next.logged_headers = read_logged_headers(section);
  read_tuning(section, next);  // validated by the runtime before reload() is called
  next = resolved(std::move(next));
  const auto& crs_options = next.crs;
  auto allowed = std::make_shared<const address_set>(next.allow_clients);
  std::shared_ptr<const crs::crs_rules> crs;
  if (crs_options.enabled) {
    try {
      crs = crs::crs_rules::load(crs_options);  // built completely before anything changes
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("CRS: {}; the rules in force stay", e.what()));
    }
  }
  auto result = engine_->reload(next.sources);
  {
    std::lock_guard lock(mutex_);
    last_ = result;
  }
  if (!result.ok)
    throw std::runtime_error(fmt::format("{}; the previous rule set ({} rules) stays in force", result.error,
                                         result.rules));
  options_ = next;
  std::lock_guard lock(mutex_);
  crs_ = std::move(crs);
  allowed_ = std::move(allowed);
  crs_error_.clear();
  return true;
}

reload_result rules_component::last_reload() const {
  std::lock_guard lock(mutex_);
  return last_;
}

}  // namespace vigil::service
