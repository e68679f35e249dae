#include "model/threat_scorer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace vigil {
namespace {

static_assert(sizeof(feature_vector) == feature_count * sizeof(float), "feature vectors must be contiguous rows");

std::vector<float>& thread_scores() {
  thread_local std::vector<float> scores;
  return scores;
}

}  // namespace

std::string_view mode_name(detection_mode m) { return m == detection_mode::hybrid ? "hybrid" : "rules"; }

void check(const scorer_options& o) {
  if (!(o.rule_weight >= 0 && o.model_weight >= 0) || o.rule_weight + o.model_weight <= 0)
    throw std::invalid_argument("rule_weight and model_weight must be >= 0 and not both 0; fix the weights");
  if (!(o.alert_threshold > 0 && o.alert_threshold <= 1))
    throw std::invalid_argument("alert_threshold must be in (0, 1], got " + std::to_string(o.alert_threshold));
}

threat_scorer::threat_scorer(lifespan::models::manager& manager, std::string model, scorer_options options)
    : manager_(manager), model_(std::move(model)), options_(options) {
  try {
    check(options_);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("threat scorer '" + model_ + "': " + e.what());
  }
}

lifespan::models::handle threat_scorer::acquire() const {
  auto ref = ref_.load(std::memory_order_acquire);
  if (!ref) {
    ref = manager_.model(model_);  // allocates only until the model exists
    if (!ref) return {};
    ref_.store(ref, std::memory_order_release);
  }
  return ref.acquire();
}

std::optional<float> threat_scorer::score(const feature_vector& features) const {
  float out = 0;
  if (!score(std::span<const feature_vector>(&features, 1), std::span<float>(&out, 1))) return std::nullopt;
  return out;
}

bool threat_scorer::score(std::span<const feature_vector> rows, std::span<float> out) const {
  if (out.size() < rows.size()) throw std::invalid_argument("threat scorer: output span shorter than the rows");
  auto h = acquire();
  if (!h) return false;
  if (rows.empty()) return true;
  if (h->num_features() != feature_count) {  // a version trained on another feature list
    errors_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  auto& scores = thread_scores();
  try {
    h.predict(std::span<const float>(rows.front().data(), rows.size() * feature_count), rows.size(), scores);
  } catch (const std::exception&) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (scores.size() < rows.size()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  std::copy_n(scores.begin(), rows.size(), out.begin());
  return true;
}

detection_mode threat_scorer::mode() const { return acquire() ? detection_mode::hybrid : detection_mode::rules; }

decision threat_scorer::decide(severity rule_level, std::optional<float> model_score) const noexcept {
  return vigil::decide(options_, rule_level, model_score);
}

decision decide(const scorer_options& options, severity rule_level, std::optional<float> model_score) noexcept {
  decision d;
  const float r = static_cast<float>(rule_level) / 4.0f;
  if (!model_score) {
    d.mode = detection_mode::rules;
    d.combined = r;
    d.alert = rule_level != severity::none;
    d.level = rule_level;
    return d;
  }
  d.mode = detection_mode::hybrid;
  const double p = std::clamp(static_cast<double>(*model_score), 0.0, 1.0);
  d.combined = static_cast<float>((options.rule_weight * r + options.model_weight * p) /
                                  (options.rule_weight + options.model_weight));
  const bool forced = rule_level != severity::none && rule_level >= options.always_alert;
  d.alert = forced || d.combined >= options.alert_threshold;
  if (d.alert) {
    const long level = std::clamp(std::lround(4.0 * d.combined), 1L, 4L);
    d.level = std::max(static_cast<severity>(level), forced ? rule_level : severity::low);
  }
  return d;
}

}  // namespace vigil
