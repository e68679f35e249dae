#include "service/threat_model.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <shared_mutex>

#include "lifespan/models/component.hpp"
#include "service/pipeline.hpp"
#include "service/scorer.hpp"

namespace vigil::service {

// Acquires the serving version per batch (never blocks), so a swap or a removal takes effect at the
// next batch. close() waits for calls in progress and makes later calls fail (rules mode).
class model_scorer final : public scorer {
 public:
  model_scorer(lifespan::models::manager& manager, std::string model, scorer_options decision)
      : manager_(manager), model_(std::move(model)), decision_(decision) {}

  bool available() const override {
    std::shared_lock lock(mutex_);
    return !closed_ && static_cast<bool>(manager_.acquire(model_));
  }

  bool score(std::span<const feature_vector> rows, std::vector<double>& scores) override {
    std::shared_lock lock(mutex_);
    if (closed_ || rows.empty()) return false;
    auto version = manager_.acquire(model_);
    if (!version) return false;
    flat_.resize(rows.size() * feature_count);
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::copy(rows[i].begin(), rows[i].end(), flat_.begin() + static_cast<std::ptrdiff_t>(i * feature_count));
    try {
      version.predict(flat_, rows.size(), out_);
    } catch (const std::exception& e) {
      spdlog::warn("threat_model: model '{}' version {} failed to score {} rows: {}; rules only for them", model_,
                   version.version(), rows.size(), e.what());
      return false;
    }
    scores.assign(out_.begin(), out_.end());
    return scores.size() == rows.size();
  }

  decision decide(severity rule_level, double score) const override {
    return vigil::decide(decision_, rule_level, static_cast<float>(score));
  }

  void close() {
    std::unique_lock lock(mutex_);
    closed_ = true;
  }

 private:
  lifespan::models::manager& manager_;
  std::string model_;
  scorer_options decision_;
  mutable std::shared_mutex mutex_;
  bool closed_ = false;
  std::vector<float> flat_, out_;  // only the pipeline's score thread calls score()
};

threat_model::options threat_model::read_options(lifespan::config::section& section) {
  options o;
  o.model = section.get<std::string>("model", o.model);
  if (o.model.empty()) section.report("model", "must name a model of the model repository", "threat");
  auto& d = o.decision;
  d.rule_weight = section.get<double>("rule_weight", d.rule_weight);
  d.model_weight = section.get<double>("model_weight", d.model_weight);
  d.alert_threshold = section.get<double>("alert_threshold", d.alert_threshold);
  const auto always = section.get<std::string>("always_alert", std::string(severity_name(d.always_alert)));
  if (const auto named = severity_named(always)) d.always_alert = *named;
  else section.report("always_alert", "must be one of low, medium, high, critical",
                      "high: high and critical rule hits alert whatever the model says");
  try {
    check(d);
  } catch (const std::invalid_argument& e) {
    const bool weights = std::string_view(e.what()).find("weight") != std::string_view::npos;
    section.report(weights ? "rule_weight" : "alert_threshold", e.what(),
                   weights ? "1 and 1 weigh rules and model alike" : "0.35 (docs/detection.md, hybrid decision)");
  }
  return o;
}

threat_model::~threat_model() = default;

void threat_model::start(lifespan::context& ctx) {
  auto& models = ctx.get<lifespan::models::models_component>();
  pipeline_ = &ctx.get<pipeline>();
  scorer_ = std::make_shared<model_scorer>(models.manager(), options_.model, options_.decision);
  pipeline_->set_scorer(scorer_);
}

void threat_model::stop(lifespan::time_point) {
  if (pipeline_) pipeline_->set_scorer(nullptr);
  if (scorer_) scorer_->close();  // waits for a score() in progress
}

std::optional<lifespan::health_report> threat_model::check_health(std::stop_token) {
  if (scorer_ && scorer_->available()) return lifespan::health_report::ok();
  return lifespan::health_report::degraded(fmt::format(
      "no version of model '{}' is served: running in rules mode (train one with vigil train, or copy a version "
      "into the model repository)", options_.model));
}

}  // namespace vigil::service
