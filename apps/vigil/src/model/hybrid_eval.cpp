#include "model/hybrid_eval.hpp"

#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <iostream>

#include "gen/payloads.hpp"
#include "lifespan/models/loader.hpp"
#include "parse/line_parser.hpp"
#include "rules/analyze.hpp"
#include "train/dataset.hpp"

namespace vigil {
namespace {

nlohmann::json describe(const confusion& c) {
  return nlohmann::json{{"tp", c.tp}, {"fp", c.fp}, {"fn", c.fn}, {"precision", c.precision()}, {"recall", c.recall()}};
}

void judge(mode_quality& q, std::string_view label, bool alert, const std::vector<bool>& hit_category,
           const std::vector<std::string>& names) {
  const bool attack = attack_label(label);
  const auto category = label_category(label);
  if (attack) ++(alert ? q.overall.tp : q.overall.fn);
  else if (alert) ++q.overall.fp;
  bool any_hit = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto& c = q.categories[names[i]];
    any_hit = any_hit || hit_category[i];
    if (category == names[i]) ++(alert ? c.tp : c.fn);
    else if (alert && hit_category[i]) ++c.fp;
  }
  if (!attack && alert && !any_hit) ++q.model_only_fp;
}

}  // namespace

nlohmann::json mode_quality::to_json() const {
  nlohmann::json out{{"overall", describe(overall)}, {"model_only_fp", model_only_fp}};
  for (const auto& [name, c] : categories) out["categories"][name] = describe(c);
  return out;
}

nlohmann::json crs_coverage::to_json() const {
  const auto flagged = attack_flagged + benign_flagged, kept = attack_kept + benign_kept;
  return {{"flagged", flagged},
          {"hybrid_kept", kept},
          {"hybrid_agreement", flagged ? static_cast<double>(kept) / static_cast<double>(flagged) : 1.0},
          {"attack", {{"flagged", attack_flagged}, {"hybrid_kept", attack_kept}}},
          {"benign", {{"flagged", benign_flagged}, {"hybrid_kept", benign_kept}}}};
}

nlohmann::json hybrid_report::to_json() const {
  return {{"lines", lines},     {"malformed", malformed}, {"behaviour_skipped", behaviour_skipped},
          {"benign_lines", benign_lines}, {"unscored", unscored}, {"rules", rules.to_json()},
          {"hybrid", hybrid.to_json()}, {"crs", crs.to_json()}};
}

hybrid_report evaluate_hybrid(std::istream& in, std::shared_ptr<const rule_set> rules, const threat_scorer& scorer,
                              std::shared_ptr<const crs::crs_rules> crs) {
  hybrid_report report;
  rule_matcher matcher(std::move(rules));
  std::optional<crs::crs_detector> detector;
  if (crs) detector.emplace(std::move(crs));
  line_parser parser;
  log_record record;
  analysis result;
  // The rules' categories (indexed like category_index), then generated categories the rules lack.
  std::vector<std::string> names = matcher.rules().categories();
  for (auto c : attack_categories()) {
    if (std::find(names.begin(), names.end(), c) == names.end()) names.emplace_back(c);
  }
  auto index_of = [&names](std::string_view category) {
    const auto it = std::find(names.begin(), names.end(), category);
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
    names.emplace_back(category);
    return names.size() - 1;
  };
  std::vector<bool> hit_category(names.size());
  const auto& behaviour = behaviour_labels();
  std::string line;
  while (std::getline(in, line)) {
    ++report.lines;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      ++report.malformed;
      continue;
    }
    const std::string_view label(line.data(), tab);
    if (std::find(behaviour.begin(), behaviour.end(), label) != behaviour.end()) {
      ++report.behaviour_skipped;
      continue;
    }
    if (!parser.parse(std::string_view(line).substr(tab + 1), record)) {
      ++report.malformed;
      continue;
    }
    const auto category = label_category(label);
    if (category == "benign") ++report.benign_lines;
    analyze(record, matcher, result);
    const auto* verdict = detector ? &detector->detect(record) : nullptr;
    hit_category.assign(names.size(), false);
    for (auto h : result.hits) hit_category[matcher.rules().category_index(h)] = true;
    auto level = result.level;
    if (verdict && verdict->flagged) {
      const auto c = index_of(verdict->category);
      hit_category.resize(names.size());
      hit_category[c] = true;
      level = std::max(level, verdict->level);
    }
    const auto score = scorer.score(extract_features(record, result, matcher.rules(), verdict));
    if (!score) ++report.unscored;
    const bool hybrid_alert = scorer.decide(level, score).alert;
    judge(report.rules, label, scorer.decide(level, std::nullopt).alert, hit_category, names);
    judge(report.hybrid, label, hybrid_alert, hit_category, names);
    if (verdict && verdict->flagged) {
      const bool attack = attack_label(label);
      ++(attack ? report.crs.attack_flagged : report.crs.benign_flagged);
      if (hybrid_alert) ++(attack ? report.crs.attack_kept : report.crs.benign_kept);
    }
  }
  return report;
}

int run_hybrid_eval(const std::string& path, const std::string& rules_path, const std::string& root,
                    const std::string& model, const crs::crs_options& crs, const scorer_options& options) {
  try {
    const auto rules = rule_set::load(rules_path);
    const auto crs_rules = crs.enabled ? crs::crs_rules::load(crs::for_format(crs, "combined")) : nullptr;
    lifespan::models::manager_options o;
    o.root = root;
    o.watch = false;
    o.models[model].required = true;
    lifespan::models::loader_registry loaders;
    lifespan::models::add_xgboost_loader(loaders);
    lifespan::models::manager manager(o, loaders);
    manager.start();
    if (!manager.wait_ready(std::chrono::seconds(60))) {
      std::string why;
      for (const auto& r : manager.not_ready()) why += r + "; ";
      fmt::print(stderr, "vigil eval: no version of model '{}' loaded from {}: {}\n", model, root, why);
      return 2;
    }
    threat_scorer scorer(manager, model, options);
    std::ifstream in(path == "-" ? "/dev/stdin" : path, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "vigil eval: cannot read {}\n", path);
      return 2;
    }
    auto out = evaluate_hybrid(in, rules, scorer, crs_rules).to_json();
    out["crs_settings"] = crs_rules ? nlohmann::json{{"paranoia_level", crs.load.paranoia_level},
                                            {"anomaly_threshold", crs.load.anomaly_threshold}}
                           : nlohmann::json(nullptr);
    auto h = manager.acquire(model);
    out["model"] = {{"name", model}, {"version", h ? h.version() : 0}, {"root", root}};
    out["weights"] = {{"rule", options.rule_weight}, {"model", options.model_weight},
                      {"alert_threshold", options.alert_threshold},
                      {"always_alert", severity_name(options.always_alert)}};
    std::cout << out.dump(2) << "\n";
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "vigil eval: {}\n", e.what());
    return 2;
  }
}

}  // namespace vigil
