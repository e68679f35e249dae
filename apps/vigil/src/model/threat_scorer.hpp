#pragma once
// Scores requests with the threat model served by the models area, and combines the score with the
// rules' verdict into an alert decision.
//
//   vigil::threat_scorer scorer(models.manager(), "threat");
//   auto score = scorer.score(features);            // nullopt: no version loaded -> rules mode
//   auto d = scorer.decide(analysis.level, score);   // alert?, severity, mode
//
// Each call acquires a handle (pins the serving version for that call only), so a version that
// disappears from the repository stops being used as soon as the manager unpublishes it, and one that
// arrives is used from the next call: hybrid -> rules -> hybrid follows the manager without a callback.
// The model is looked up by name until it exists (it may appear on disk later), then kept (a model_ref
// is stable for the manager's life).
//
// Thread-safety: every member is safe from many threads at once. Steady-state calls do not allocate:
// the scores go through a per-thread buffer that grows once to the largest batch seen.
// Lifetime: the manager must outlive the scorer.
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "features/features.hpp"
#include "lifespan/models/manager.hpp"
#include "rules/rule.hpp"

namespace vigil {

enum class detection_mode : std::uint8_t { rules, hybrid };
std::string_view mode_name(detection_mode m);  // "rules", "hybrid"

// How rule severity and model score combine (docs/detection.md, "Hybrid decision"):
//   r = rule severity / 4 (none 0, low .25, medium .5, high .75, critical 1)
//   combined = (rule_weight * r + model_weight * p) / (rule_weight + model_weight)
//   alert    = combined >= alert_threshold  or  severity >= always_alert
//   severity = rules mode: the rules' severity; hybrid: max(rule severity if >= always_alert,
//              round(4 * combined) clamped to low..critical)
struct scorer_options {
  double rule_weight = 1.0;
  double model_weight = 1.0;
  double alert_threshold = 0.35;
  severity always_alert = severity::high;  // rule hits at or above this alert whatever the model says
};

struct decision {
  bool alert = false;
  severity level = severity::none;
  float combined = 0;       // the combined score (rules mode: r)
  detection_mode mode = detection_mode::rules;
};

// The combination above; `model_score` nullopt means rules mode.
decision decide(const scorer_options& options, severity rule_level, std::optional<float> model_score) noexcept;
// Throws std::invalid_argument naming the bad value: negative weights, both zero, a threshold outside (0, 1].
void check(const scorer_options& options);

class threat_scorer {
 public:
  // Throws std::invalid_argument for negative weights, both weights zero, or a threshold outside (0, 1].
  threat_scorer(lifespan::models::manager& manager, std::string model, scorer_options options = {});

  // The model's attack probability for one request, or nullopt when no version is serving (or the
  // serving version does not take this feature vector, or fails: counted in errors()).
  std::optional<float> score(const feature_vector& features) const;
  // Scores rows.size() requests into out[0..rows.size()). False (out untouched) when no version is
  // serving. out.size() must be >= rows.size().
  bool score(std::span<const feature_vector> rows, std::span<float> out) const;

  // "hybrid" while a version is serving, "rules" otherwise (acquires and releases a handle).
  detection_mode mode() const;
  // The combination above; `model_score` nullopt means rules mode.
  decision decide(severity rule_level, std::optional<float> model_score) const noexcept;

  const std::string& model() const noexcept { return model_; }
  const scorer_options& options() const noexcept { return options_; }
  std::uint64_t errors() const noexcept { return errors_.load(std::memory_order_relaxed); }

 private:
  lifespan::models::handle acquire() const;

  lifespan::models::manager& manager_;
  std::string model_;
  scorer_options options_;
  mutable std::atomic<lifespan::models::model_ref> ref_{};
  mutable std::atomic<std::uint64_t> errors_{0};
};

}  // namespace vigil
