#include "service/pipeline_detect.hpp"

#include <algorithm>

#include "service/pipeline_alert.hpp"
#include "service/rules_component.hpp"

namespace vigil::service {

line_detector::line_detector(const pipeline::options& options, rules_component& rules)
    : options_(options), rules_(rules), parser_(options.parser), matcher_(rules.engine()),
      trusted_(options.trusted_proxies) {
  refresh();  // the CRS detector now, on the worker's thread at start, rather than on its first batch
}

void line_detector::refresh() {
  matcher_.refresh();                  // between batches: a line is matched against exactly one rule set
  allowed_ = rules_.allowed_clients();  // rules.allow_clients: never alerted on
  if (auto now = rules_.crs(); now != crs_rules_) {  // the same for CRS
    crs_rules_ = std::move(now);
    crs_.reset();
    if (crs_rules_) crs_.emplace(crs_rules_);
  }
  matcher_.set_crs_in_force(crs_.has_value());  // `fallback` rules only without CRS
}

detected_batch line_detector::run(raw_batch batch, const std::shared_ptr<scorer>& model) {
  refresh();
  const auto& rules = matcher_.matcher().rules();
  const bool hybrid = model && model->available();
  detected_batch out;
  out.mark = {batch.file, batch.end, batch.retire};
  out.read_at = batch.read_at;
  out.mode = hybrid ? "hybrid" : "rules";
  const std::string_view text = batch.text;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    auto line = text.substr(pos, nl - pos);
    const std::uint64_t offset = batch.begin + pos;
    const auto line_begin = pos;
    pos = nl + 1;
    ++out.lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || !parser_.parse(line, record_)) continue;
    const auto who = resolve_client(record_, trusted_);
    record_.remote_addr = who.client;  // the rules, the windows and GeoIP see the real client
    if (allowed_ && allowed_->contains(record_.remote_addr)) continue;
    analyze(record_, matcher_.matcher(), result_);
    const crs::crs_result* crs_verdict = crs_ ? &crs_->detect(record_) : nullptr;
    const crs::crs_result* crs_found = crs_verdict && crs_verdict->flagged ? crs_verdict : nullptr;
    std::int32_t rule_alert = -1;
    if (result_.flagged() || crs_found) {
      rule_alert = static_cast<std::int32_t>(out.alerts.size());
      add_rule_alert(out, who.proxy, offset, crs_found);
    }
    if (options_.behaviour) {
      const auto path = record_.target.substr(0, record_.target.find('?'));
      line_fact f;
      f.offset = offset;
      f.line_begin = line_begin;
      f.line_size = line.size();
      f.client_begin = out.arena.size();
      f.client_size = record_.remote_addr.size();
      out.arena += record_.remote_addr;
      f.path_begin = out.arena.size();
      f.path_size = path.size();
      out.arena += path;
      f.epoch = record_.epoch;
      f.status = record_.status;
      f.rule_alert = rule_alert;
      out.facts.push_back(f);
    }
    if (hybrid) {
      candidate c;
      c.features = extract_features(record_, result_, rules, crs_verdict);
      c.alert_index = rule_alert;
      if (rule_alert < 0) c.prototype = line_alert("model", record_, who.proxy, *batch.file, offset, out.mode);
      out.candidates.push_back(std::move(c));
    }
  }
  out.text = std::move(batch.text);  // facts hold offsets into it, not views
  return out;
}

void line_detector::add_rule_alert(detected_batch& out, std::string_view proxy, std::uint64_t offset,
                                   const crs::crs_result* crs) {
  const auto& rules = matcher_.matcher().rules();
  alert a = line_alert("rule", record_, proxy, *out.mark.file, offset, out.mode);
  a.level = result_.level;
  auto add_category = [&a](const std::string& category) {
    if (std::find(a.categories.begin(), a.categories.end(), category) == a.categories.end())
      a.categories.push_back(category);
  };
  for (auto h : result_.hits) {
    a.rule_ids.push_back(rules.rules()[h].id);
    add_category(rules.categories()[rules.category_index(h)]);
  }
  if (crs) {
    a.level = std::max(a.level, crs->level);
    for (const auto& f : crs->findings) a.rule_ids.push_back(std::to_string(f.id));
    add_category(crs->category);
    a.anomaly_score = crs->score;
    a.crs = crs->json();
  }
  out.alerts.push_back(std::move(a));
}

std::uint64_t line_detector::take_malformed() {
  const auto now = parser_.malformed().count();
  const auto fresh = now - malformed_seen_;
  malformed_seen_ = now;
  return fresh;
}

}  // namespace vigil::service
