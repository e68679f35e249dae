#include "eval/quality.hpp"

#include "gen/payloads.hpp"

namespace vigil {

quality_meter::quality_meter(std::shared_ptr<const rule_set> rules, behaviour_options windows)
    : matcher_(std::move(rules)), tracker_(windows), windows_(std::move(windows)) {
  for (const auto& c : matcher_.rules().categories()) report_.categories[c];
  for (auto c : attack_categories()) report_.categories[std::string(c)];
  for (auto b : behaviour_labels()) report_.behaviour[std::string(b)];
}

void quality_meter::add(std::string_view labelled) {
  const auto tab = labelled.find('\t');
  ++report_.lines;
  if (tab == std::string_view::npos) {
    ++report_.malformed;
    return;
  }
  const auto label = labelled.substr(0, tab);
  if (!parser_.parse(labelled.substr(tab + 1), record_)) {
    ++report_.malformed;
    return;
  }
  analyze(record_, matcher_, analysis_);
  std::set<std::size_t> hit_categories;
  for (auto h : analysis_.hits) hit_categories.insert(matcher_.rules().category_index(h));
  const auto& names = matcher_.rules().categories();
  bool label_is_category = false;
  for (auto& [name, c] : report_.categories) {
    std::size_t index = names.size();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) index = i;
    }
    const bool hit = hit_categories.count(index) > 0;
    if (label == name) {
      label_is_category = true;
      ++(hit ? c.tp : c.fn);
    } else if (hit) {
      ++c.fp;
    }
  }
  if (label == "benign") {
    ++report_.benign_lines;
    if (analysis_.flagged()) ++report_.benign_flagged;
  }
  const std::string client(record_.remote_addr);
  if (!label_is_category && report_.behaviour.count(std::string(label))) ++truth_[std::string(label)][client];
  alerts_.clear();
  tracker_.observe(record_.remote_addr, record_.epoch, record_.status, record_.target.substr(0, record_.target.find('?')),
                   alerts_);
  for (const auto& a : alerts_) predicted_[std::string(behaviour_name(a.kind))].insert(a.client);
}

quality_report quality_meter::finish() {
  for (auto& [kind, c] : report_.behaviour) {
    const std::uint64_t threshold = kind == "flood"           ? windows_.flood_threshold
                                    : kind == "failed_logins" ? windows_.failed_login_threshold
                                                              : windows_.not_found_threshold;
    std::set<std::string> truth, too_short;
    for (const auto& [client, lines] : truth_[kind]) (lines >= threshold ? truth : too_short).insert(client);
    for (const auto& client : predicted_[kind]) {
      if (truth.count(client)) ++c.tp;
      else if (!too_short.count(client)) ++c.fp;
    }
    for (const auto& client : truth) {
      if (!predicted_[kind].count(client)) ++c.fn;
    }
  }
  return report_;
}

}  // namespace vigil
